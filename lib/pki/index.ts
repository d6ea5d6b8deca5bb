export * from './certificate-authority';
export * from './identity-directory';
