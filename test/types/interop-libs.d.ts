/**
 * The interop peers are CommonJS packages whose own typings do not describe what an ESM `import`
 * of them yields (module.exports, not `.default`); the tests treat them as untyped.
 */
declare module 'ilp-connector/dist/app' {
  const createApp: any;
  export default createApp;
}

declare module 'ilp-plugin-btp' {
  const BtpPlugin: any;
  export default BtpPlugin;
}

declare module 'ilp-protocol-stream' {
  export const createServer: any;
  export const createConnection: any;
}
