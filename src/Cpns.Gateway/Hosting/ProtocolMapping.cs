using Cpns.Crypto;
using Cpns.Gateway.Delivery;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Gateway.Pairing;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Gateway.Hosting;

/// <summary>The gateway core's outcomes as cpns.v1 statuses (docs/gateway-host.md, "Status mapping").</summary>
internal static class ProtocolMapping
{
    public static Status ToStatus(GkdkAssignmentStatus status) => status switch
    {
        GkdkAssignmentStatus.Assigned => Status.Ok,
        GkdkAssignmentStatus.UnknownPne => Status.UnknownPne,
        GkdkAssignmentStatus.Removed => Status.Rejected,
        GkdkAssignmentStatus.TreeFull => Status.CapacityExceeded,
        _ => Status.InternalError,
    };

    public static Status ToStatus(PairingStatus status) => status switch
    {
        PairingStatus.Success => Status.Ok,
        PairingStatus.UnknownSession => Status.InvalidRequest,
        PairingStatus.Expired or PairingStatus.AlreadyUsed or PairingStatus.WrongCode => Status.AuthenticationFailed,
        PairingStatus.RateLimited => Status.Rejected,
        PairingStatus.InvalidKey => Status.InvalidRequest,
        PairingStatus.DuplicatePne => Status.Duplicate,
        PairingStatus.CertificateRefused => Status.Rejected,
        _ => Status.InternalError,
    };

    public static Status ToStatus(GroupKeyNotificationStatus status) => status switch
    {
        GroupKeyNotificationStatus.Delivered or GroupKeyNotificationStatus.MembersChanged or GroupKeyNotificationStatus.Duplicate => Status.Ok,
        GroupKeyNotificationStatus.Stale => Status.StaleEpoch,
        GroupKeyNotificationStatus.Conflict => Status.Duplicate,
        GroupKeyNotificationStatus.UnwrapFailed => Status.DecryptFailed,
        GroupKeyNotificationStatus.NotEnrolled => Status.UnknownGateway,
        _ => Status.InvalidRequest,
    };

    public static Status ToStatus(GroupKeyDeleteStatus status) => status switch
    {
        GroupKeyDeleteStatus.Deleted or GroupKeyDeleteStatus.MembersRemoved => Status.Ok,
        GroupKeyDeleteStatus.Stale => Status.StaleEpoch,
        GroupKeyDeleteStatus.UnknownGroup => Status.UnknownGroup,
        _ => Status.InvalidRequest,
    };

    public static Status ToStatus(PneDeliveryState state) => state switch
    {
        PneDeliveryState.Received => Status.Ok,
        PneDeliveryState.NotARecipient => Status.NotARecipient,
        PneDeliveryState.Failed => Status.DecryptFailed,
        _ => Status.Timeout,
    };

    /// <summary>A PNE's answer (step 7) as what its decryption gave (step 8); a stale epoch means it holds a newer key, not that it failed.</summary>
    public static BroadcastDecryptStatus ToDecryptStatus(Status status) => status switch
    {
        Status.Ok or Status.StaleEpoch => BroadcastDecryptStatus.Success,
        Status.NotARecipient => BroadcastDecryptStatus.NotARecipient,
        Status.DecryptFailed => BroadcastDecryptStatus.AuthenticationFailed,
        _ => BroadcastDecryptStatus.Malformed,
    };

    public static Envelope ToBroadcastEnvelope(Crypto.GroupKeyBroadcast broadcast, string? reason, string gatewayId)
    {
        var message = new Protocol.V1.GroupKeyBroadcast
        {
            PnId = broadcast.PnId,
            GroupId = broadcast.GroupId,
            Epoch = broadcast.Epoch,
            Scheme = (Protocol.V1.BroadcastScheme)(int)broadcast.Scheme,
            Suite = (uint)broadcast.Suite,
            Header = ByteString.CopyFrom(broadcast.Header.Span),
            Nonce = ByteString.CopyFrom(broadcast.Nonce.Span),
            SealedGroupKey = ByteString.CopyFrom(broadcast.SealedKey.Span),
            // The devices decide the previous key's grace period by it; unknown is sent as unspecified (no grace).
            Reason = Enum.TryParse<GroupKeyReason>(reason, out var parsed) ? parsed : GroupKeyReason.Unspecified,
        };
        return EnvelopeCodec.CreateEnvelope(message, gatewayId);
    }
}
