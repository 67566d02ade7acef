// Extra build steps (contract artifacts, explorer assets) register here, each `async (root, run) => {}`.
export const steps = [];
