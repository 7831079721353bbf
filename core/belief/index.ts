/** A router's local belief about providers, and routing by it. Nothing here is ever sent to anyone. */
export { BeliefError, createBeliefSettings, defaultBeliefSettings, validateBeliefSettings, type BeliefErrorCode, type BeliefSettings } from './settings.js'
export { observationScore } from './observation.js'
export { MAD_TO_SIGMA, robustAggregate, weightedMedian, type RobustAggregate, type RobustOptions } from './robust.js'
export { Residuals, groupCorrelated, residualSimilarity } from './prober-groups.js'
export { BeliefField, type AddOutcome, type BeliefEstimate, type BeliefPoint, type ProberReport, type ProberTrust, type ProviderBelief } from './field.js'
export { BeliefRouter, type BeliefRouterOptions, type DisputeView, type RoutedProvider } from './router.js'
export { chooseProvider, compatibleProviders, normal, type RoutableProvider, type RouteReason, type RouteRequest, type Uniform } from './routing.js'
