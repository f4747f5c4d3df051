#!/usr/bin/env node
// The package's command. `npm install` builds dist/ (the `prepare` script); see README.
import '../dist/cli/main.js';
