// Starts the dashboard once every view's script has registered itself (kept out of the page so
// the Content-Security-Policy can forbid inline scripts).
"use strict";
Dash.start();
