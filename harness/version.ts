/** The generator stamp written into every manifest. */
export const GENERATOR = { name: 'icn-harness', version: '0.1.0' } as const;
