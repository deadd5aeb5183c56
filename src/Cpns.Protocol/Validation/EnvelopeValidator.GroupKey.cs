using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <content>Flow 6.x.y, Group Key delivery, and Group Key deletion.</content>
internal static partial class EnvelopeValidator
{
    internal static ProtocolError? Validate(GroupKeyNotification m) =>
        Identifier(m.GroupId, "group_id")
        ?? Epoch(m.Epoch, "epoch")
        ?? Enum(m.Reason, "reason")
        ?? ExactLength(m.WrappedGroupKey, ProtocolLimits.WrappedGroupKeyLength, "wrapped_group_key")
        // The server only notifies gateways that have members of the group behind them.
        ?? IdentifierList(m.MemberPneIds, "member_pne_ids", minCount: 1)
        ?? Enum(m.Scheme, "scheme");

    private static ProtocolError? Validate(GroupKeyResponse m) =>
        Identifier(m.GroupId, "group_id")
        ?? Epoch(m.Epoch, "epoch")
        ?? Enum(m.Status, "status");

    private static ProtocolError? Validate(GroupKeyDeliveryReport m)
    {
        if ((Identifier(m.GroupId, "group_id") ?? Epoch(m.Epoch, "epoch") ?? Count(m.Deliveries.Count, "deliveries", minCount: 1)) is { } error)
        {
            return error;
        }

        var seen = new HashSet<string>(m.Deliveries.Count, StringComparer.Ordinal);
        for (var i = 0; i < m.Deliveries.Count; i++)
        {
            var delivery = m.Deliveries[i];
            if ((Identifier(delivery.PneId, "pne_id") ?? Enum(delivery.Status, "status")) is { } entryError)
            {
                return entryError.Within($"deliveries[{i}]");
            }

            if (!seen.Add(delivery.PneId))
            {
                return Duplicate("pne_id").Within($"deliveries[{i}]");
            }
        }

        return null;
    }

    private static ProtocolError? Validate(GroupKeyBroadcast m)
    {
        if ((Identifier(m.PnId, "pn_id") ?? Identifier(m.GroupId, "group_id") ?? Epoch(m.Epoch, "epoch") ?? Enum(m.Scheme, "scheme") ?? Enum(m.Reason, "reason")) is { } error)
        {
            return error;
        }

        if (!CipherSuites.IsSupported(m.Suite))
        {
            return new ProtocolError(ProtocolErrorCode.UnsupportedSuite, "suite", "is not a supported cipher suite");
        }

        return LengthRange(m.Header, 0, ProtocolLimits.MaxBroadcastHeaderLength, "header")
            ?? ExactLength(m.Nonce, ProtocolLimits.NonceLength, "nonce")
            ?? ExactLength(m.SealedGroupKey, ProtocolLimits.SealedGroupKeyLength, "sealed_group_key");
    }

    private static ProtocolError? Validate(PneGroupKeyResponse m) =>
        Identifier(m.PneId, "pne_id")
        ?? Identifier(m.GroupId, "group_id")
        ?? Epoch(m.Epoch, "epoch")
        ?? Enum(m.Status, "status");

    internal static ProtocolError? Validate(GroupKeyDelete m)
    {
        if ((Identifier(m.GroupId, "group_id") ?? Epoch(m.Epoch, "epoch") ?? Enum(m.Reason, "reason")) is { } error)
        {
            return error;
        }

        // Only a deleted group concerns everyone; every other reason names the PNEs concerned.
        var minCount = m.Reason == GroupKeyDeleteReason.GroupDeleted ? 0 : 1;
        return IdentifierList(m.PneIds, "pne_ids", minCount);
    }

    private static ProtocolError? Validate(GroupKeyDeleteResponse m) =>
        Identifier(m.GroupId, "group_id")
        ?? Epoch(m.Epoch, "epoch")
        ?? OptionalIdentifier(m.PneId, "pne_id")
        ?? Enum(m.Status, "status");
}
