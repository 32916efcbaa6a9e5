/** The node software's version, reported by `GET /status` (kept equal to package.json's; a test checks). */
export const NODE_VERSION = '0.1.0';
