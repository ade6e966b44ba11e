// Label and field selectors for list/watch filtering and for controllers' spec.selector matching.
export * from './errors';
export * from './label-selector';
export * from './field-selector';
export * from './field-getters';
