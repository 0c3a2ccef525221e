#!/usr/bin/env node
// Copies the dashboard's static files (HTML/CSS/JS, not compiled by tsc) next to the
// compiled management server: src/transports/http/dashboard → dist/transports/http/dashboard.
import { cpSync } from 'node:fs';

cpSync('src/transports/http/dashboard', 'dist/transports/http/dashboard', { recursive: true });
