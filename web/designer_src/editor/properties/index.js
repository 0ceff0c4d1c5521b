/** The diagram-js module that registers our properties provider (see provider.js). */
import FangpinPropertiesProvider from './provider.js';

export default {
  __init__: ['fangpinPropertiesProvider'],
  fangpinPropertiesProvider: ['type', FangpinPropertiesProvider],
};
