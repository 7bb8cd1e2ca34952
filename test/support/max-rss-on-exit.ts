/**
 * Preloaded with `node --import` into a child process under test: on exit, writes the child's peak resident
 * set (getrusage ru_maxrss, KiB) to stderr as one `MAXRSS_KIB=<n>` line, so a test can assert that a refused
 * input was never read into memory.
 */
process.on('exit', () => {
  process.stderr.write(`\nMAXRSS_KIB=${process.resourceUsage().maxRSS}\n`);
});
