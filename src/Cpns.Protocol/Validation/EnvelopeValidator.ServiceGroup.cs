using Cpns.Protocol.V1;
using static Cpns.Protocol.Validation.FieldRules;

namespace Cpns.Protocol.Validation;

/// <content>Service Group operations.</content>
internal static partial class EnvelopeValidator
{
    private static ProtocolError? Validate(CreateServiceGroup m)
    {
        if ((Text(m.Name, "name", 1, ProtocolLimits.MaxGroupNameLength) ?? Count(m.Members.Count, "members", minCount: 0)) is { } error)
        {
            return error;
        }

        var seen = new HashSet<(string GatewayId, string PneId)>(m.Members.Count);
        for (var i = 0; i < m.Members.Count; i++)
        {
            if (Validate(m.Members[i]) is { } memberError)
            {
                return memberError.Within($"members[{i}]");
            }

            if (!seen.Add((m.Members[i].GatewayId, m.Members[i].PneId)))
            {
                return Duplicate("members", i);
            }
        }

        // The policy decides forward and backward secrecy; it is never left to a default by omission.
        return m.Policy is null ? Missing("policy") : Validate(m.Policy)?.Within("policy");
    }

    private static ProtocolError? Validate(DeleteServiceGroup m) => Identifier(m.GroupId, "group_id");

    private static ProtocolError? Validate(AddMember m) => ValidateMemberOperation(m.GroupId, m.Member);

    private static ProtocolError? Validate(RemoveMember m) => ValidateMemberOperation(m.GroupId, m.Member);

    private static ProtocolError? Validate(CompromiseMember m) => ValidateMemberOperation(m.GroupId, m.Member);

    private static ProtocolError? Validate(RotateGroupKey m) => Identifier(m.GroupId, "group_id");

    private static ProtocolError? Validate(ServiceGroupResult m)
    {
        if (Enum(m.Status, "status") is { } error)
        {
            return error;
        }

        // A failed create has no group to name, so only a success must say which group and epoch.
        return m.Status == Status.Ok
            ? Identifier(m.GroupId, "group_id") ?? Epoch(m.Epoch, "epoch")
            : OptionalIdentifier(m.GroupId, "group_id");
    }

    private static ProtocolError? ValidateMemberOperation(string groupId, MemberRef? member) =>
        Identifier(groupId, "group_id")
        ?? (member is null ? Missing("member") : Validate(member)?.Within("member"));

    private static ProtocolError? Validate(MemberRef m) =>
        Identifier(m.GatewayId, "gateway_id") ?? Identifier(m.PneId, "pne_id");

    private static ProtocolError? Validate(GroupPolicy m) =>
        m.RotationIntervalSeconds is 0 or (>= ProtocolLimits.MinRotationIntervalSeconds and <= ProtocolLimits.MaxRotationIntervalSeconds)
            ? null
            : new ProtocolError(ProtocolErrorCode.OutOfRange, "rotation_interval_seconds", $"must be 0 (off) or {ProtocolLimits.MinRotationIntervalSeconds}..{ProtocolLimits.MaxRotationIntervalSeconds}");
}
