// The tus 1.0 client, browser build.
export { Upload } from "tus-js-client";
