// The web apps import their stylesheets for Vite; TypeScript 6+ checks side-effect imports
// (`noUncheckedSideEffectImports`), so it is told what a `.css` module is.
declare module "*.css";
