/**
 * Keeping references bpmn-moddle cannot resolve. SpiffWorkflow reads `loopDataInputRef` / `loopDataOutputRef` as
 * the *name* of a process variable (`late_villages`), which is no element id; moddle drops such a reference on
 * import, so saving would silently lose the multi-instance's collection. Each dropped reference is put back as
 * a detached stand-in carrying the id, which the writer serializes exactly as it was read.
 */
function isUnresolvedReference(warning) {
  return Boolean(warning.element && warning.property && warning.value && /^unresolved reference/.test(warning.message));
}

/** Puts the dropped references back; returns the other warnings (the ones still worth telling). */
export function restoreUnresolvedReferences(moddle, warnings) {
  warnings.filter(isUnresolvedReference).forEach(({ element, property, value }) => {
    const descriptor = element.$descriptor.propertiesByName[property];
    const standIn = moddle.create(descriptor.type, { id: value });
    if (descriptor.isMany) {
      element.get(descriptor.name).push(standIn);
    } else {
      element.set(descriptor.name, standIn);
    }
  });
  return warnings.filter((warning) => !isUnresolvedReference(warning));
}
