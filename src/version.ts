/** The tool version; a unit test keeps it equal to package.json. */
export const TOOL_VERSION = '0.1.0'
