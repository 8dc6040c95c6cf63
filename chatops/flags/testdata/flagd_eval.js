// Evaluates a flagd flag definition with flagd's own evaluator
// (@openfeature/flagd-core) for every user given on stdin (one id a line) and
// prints {"user": {"FLAG": bool}} as JSON. Used by TestFlagdAgreesWithEval.
const { FlagdCore } = require(process.env.FLAGD_CORE_DIR + '/node_modules/@openfeature/flagd-core');
const fs = require('fs');
const def = fs.readFileSync(process.argv[2], 'utf8');
const core = new FlagdCore();
core.setConfigurations(def); // validates the document against flagd's schema
const flags = Object.keys(JSON.parse(def).flags);
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const out = {};
for (const user of fs.readFileSync(0, 'utf8').split('\n').filter(Boolean)) {
  out[user] = {};
  for (const f of flags) {
    const r = core.resolveBooleanEvaluation(f, false, { targetingKey: user }, quiet);
    if (r.errorCode) throw new Error(f + ': ' + r.errorCode + ' ' + r.errorMessage);
    out[user][f] = r.value;
  }
}
process.stdout.write(JSON.stringify(out));
