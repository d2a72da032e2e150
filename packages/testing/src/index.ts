export {
  type ConformanceAuthenticator,
  type ConformanceCase,
  type ConformanceExpectation,
  type ConformanceRequest,
  type ConformanceResponse,
  conformanceAuthenticator,
  conformanceCases,
  conformanceOrigin,
  conformanceResourceMetadata,
  conformanceRoutes,
  diffConformance,
  expect_any,
  optionalBody,
  recordingReasons,
  sendConformanceRequest,
} from './conformance.js';
export {
  type ConformanceHarness,
  conformanceHarness,
  listenOnLoopback,
  type RunningServer,
  type StartServer,
} from './harness.js';
export {
  diffForwarded,
  type StandardsCase,
  type StandardsHarness,
  standardsCases,
  standardsHarness,
  standardsRoutes,
} from './standards.js';
export {
  createTestIssuer,
  type DpopKey,
  type TestAlgorithm,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenOptions,
} from './test-issuer.js';
export {
  type HttpsTestServer,
  makeTestCertificates,
  startHttpsServer,
  type TestCertificates,
} from './tls.js';
