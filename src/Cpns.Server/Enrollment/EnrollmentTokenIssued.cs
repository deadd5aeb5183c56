namespace Cpns.Server.Enrollment;

/// <summary>A new enrollment token; <see cref="Token"/> is the only copy of the secret.</summary>
internal sealed record EnrollmentTokenIssued(string Id, string GatewayId, string Token, DateTime ExpiresAt);
