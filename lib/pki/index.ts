export * from './certificate-authority';
export * from './identity-directory';
export * from './identity-issuer';
