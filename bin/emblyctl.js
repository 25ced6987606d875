#!/usr/bin/env node
import '../dist/src/cli/emblyctl/main.js';
