// The dashboard's script and stylesheet are imported as text (`with { type: "text" }`) and
// embedded in the binary: to TypeScript they are strings.
declare module "*/app.js" {
  const text: string;
  export default text;
}
declare module "*/app.css" {
  const text: string;
  export default text;
}
