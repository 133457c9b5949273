// Every built-in rule, in the order `h2scope rules` lists them. An explicit list: adding a rule
// is one line here and one file in builtin/.

import type { Rule } from "./rule.js";
import { flowControlMisaccounting } from "./builtin/flow-control-misaccounting.js";
import { flowControlWindowOverflow } from "./builtin/flow-control-window-overflow.js";
import { goawayError } from "./builtin/goaway-error.js";
import { goawayProtocolError } from "./builtin/goaway-protocol-error.js";
import { gracefulShutdown } from "./builtin/graceful-shutdown.js";
import { protocolViolation } from "./builtin/protocol-violation.js";
import { rstInternalErrorBurst } from "./builtin/rst-internal-error-burst.js";
import { stalledConnection } from "./builtin/stalled-connection.js";
import { streamAfterGoaway } from "./builtin/stream-after-goaway.js";
import { streamTimeoutPattern } from "./builtin/stream-timeout-pattern.js";
import { unacknowledgedSettings } from "./builtin/unacknowledged-settings.js";
import { unansweredPing } from "./builtin/unanswered-ping.js";
import { continuationFlood } from "./builtin/continuation-flood.js";
import { hpackBomb } from "./builtin/hpack-bomb.js";
import { madeYouReset } from "./builtin/made-you-reset.js";
import { pingFlood } from "./builtin/ping-flood.js";
import { rapidReset } from "./builtin/rapid-reset.js";
import { settingsFlood } from "./builtin/settings-flood.js";

export const BUILTIN_RULES: readonly Rule[] = [
  flowControlWindowOverflow,
  flowControlMisaccounting,
  rstInternalErrorBurst,
  goawayProtocolError,
  goawayError,
  streamAfterGoaway,
  gracefulShutdown,
  stalledConnection,
  streamTimeoutPattern,
  protocolViolation,
  unansweredPing,
  unacknowledgedSettings,
  rapidReset,
  madeYouReset,
  continuationFlood,
  pingFlood,
  settingsFlood,
  hpackBomb,
];
