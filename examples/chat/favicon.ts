// The chat's icon (the brand's diamond), served at /favicon.ico and /favicon.svg so that
// no page load ends in a 404.
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 30 16 16 30 2 16Z" fill="#4f5bd5"/></svg>`;
