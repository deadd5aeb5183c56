using Cpns.Server.Domain;

namespace Cpns.Server.Api;

// The REST API's JSON shapes. Request fields are nullable so that a missing field reaches validation and is reported
// by name (400 with the field) instead of failing inside the JSON reader.

/// <summary>Body of <c>POST /groups</c>.</summary>
internal sealed record CreateGroupRequest(string? Name, string? Application, GroupPolicyBody? Policy);

/// <summary>A group's rotation policy: a periodic interval (null: none) and whether a join updates the GK.</summary>
internal sealed record GroupPolicyBody(int? RotationIntervalSeconds, bool? RotateOnJoin);

/// <summary>A Service Group. <c>members</c> is present on <c>GET /groups/{id}</c> only.</summary>
internal sealed record GroupResponse(
    Guid Id,
    string Name,
    string Application,
    long CurrentEpoch,
    GroupPolicyBody Policy,
    DateTime CreatedAt,
    int ActiveMembers,
    IReadOnlyList<MemberResponse>? Members);

/// <summary>A member; <c>id</c> is <c>gatewayId:pneId</c>, the form the member routes take.</summary>
internal sealed record MemberResponse(string Id, string GatewayId, string PneId, MemberState State, DateTime JoinedAt, DateTime ChangedAt);

/// <summary>Body of <c>POST /groups/{id}/members</c>.</summary>
internal sealed record AddMemberRequest(string? GatewayId, string? PneId);

/// <summary>The added member and the epoch it will receive (a new one if the group rotates on join).</summary>
internal sealed record MemberAddedResponse(MemberResponse Member, long Epoch, bool Rotated);

/// <summary>The group's epoch after an operation, and whether the operation issued it.</summary>
internal sealed record EpochResponse(Guid GroupId, long Epoch, bool Rotated, GroupKeyReason? Reason);

/// <summary>
/// Delivery state of one epoch to one gateway: attempts, when it was last sent and acknowledged, when it is re-sent if
/// still pending, the gateway's last non-OK answer, and the per-PNE statuses the gateway reported.
/// </summary>
internal sealed record DeliveryResponse(
    long Epoch,
    string GatewayId,
    DeliveryKind Kind,
    DeliveryStatus Status,
    int Attempts,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? LastSentAt,
    DateTime? NextAttemptAt,
    DateTime? AcknowledgedAt,
    string? LastStatus,
    IReadOnlyList<PneDeliveryResponse> Pnes);

/// <summary>One PNE's delivery status as its gateway reported it (GroupKeyDeliveryReport), e.g. <c>Ok</c>, <c>Timeout</c>.</summary>
internal sealed record PneDeliveryResponse(string PneId, string Status, DateTime ReportedAt);

/// <summary>Body of <c>POST /gateways/enroll</c>: the one-time token and a DER PKCS#10 request in base64.</summary>
internal sealed record EnrollRequest(string? Token, string? Csr);

/// <summary>
/// Answer of <c>POST /gateways/enroll</c>: the gateway id (from the token), its client certificate and the server CA
/// (DER, base64), its 32-byte per-gateway key (base64; shown only here) and the broker to connect to.
/// </summary>
internal sealed record EnrollResponse(string GatewayId, string Certificate, string CaCertificate, string GatewayKey, string Mqtt);

/// <summary>One audit log entry; never holds key bytes.</summary>
internal sealed record AuditEntryResponse(long Id, DateTime At, string Actor, string Action, Guid? GroupId, long? Epoch, string? Detail);

/// <summary>Body of <c>POST /gateways/enrollments</c>.</summary>
internal sealed record CreateEnrollmentRequest(string? GatewayId, int? TtlSeconds);

/// <summary>A new enrollment token. <c>token</c> is shown only in this response.</summary>
internal sealed record EnrollmentResponse(string Id, string GatewayId, string Token, DateTime ExpiresAt);

/// <summary>Body of the temporary <c>PUT /gateways/{gatewayId}/pnes/{pneId}</c>.</summary>
internal sealed record PutPneRequest(string? PnId, string? Alias);

/// <summary>A PNE in a gateway's PN inventory.</summary>
internal sealed record PneResponse(string GatewayId, string PneId, string PnId, string? Alias, DateTime RegisteredAt);

/// <summary>Answer of <c>/healthz</c> and <c>/readyz</c>.</summary>
internal sealed record HealthResponse(string Status);
