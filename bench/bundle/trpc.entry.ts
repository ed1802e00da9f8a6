import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";

const client = createTRPCClient<any>({ links: [wsLink({ client: createWSClient({ url: "ws://localhost:5000" }) })] }) as any;
client.echo.mutate({ a: 1, b: "hello" }).then(console.log);
