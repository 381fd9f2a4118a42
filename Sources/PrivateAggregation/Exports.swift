// The pipeline's API names types of both lower modules (CohortSampling, PrivacyReport,
// ParticipantID, the protocol messages): re-export them so that `import PrivateAggregation` is
// all a user writes.
@_exported public import DifferentialPrivacy
@_exported public import SecureAggregation
