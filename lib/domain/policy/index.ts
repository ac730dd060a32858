/** Mobile device mailbox policies (issue 11): desired state, impact preview, drift repair. Pure: no I/O. */
export * from './catalogue';
export * from './complete';
export * from './describe';
export * from './diff';
export * from './normalise';
export * from './validate';
export * from './values';
export * from './table';
