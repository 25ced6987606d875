// `npm run test:systemd`: the tests under a real systemd (test/systemd/), run
// apart from the suite: they boot a container, one file at a time.
export default {
  files: ['dist/test/systemd/**/*.test.js'],
  timeout: '10m',
  concurrency: 1,
  workerThreads: false,
};
