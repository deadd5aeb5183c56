using Cpns.Server.Domain;
using Cpns.Server.Keys;

namespace Cpns.Server.Api;

/// <summary>Entity to response mapping.</summary>
internal static class Mapping
{
    public static GroupResponse ToResponse(this ServiceGroup g, bool withMembers)
    {
        var members = withMembers ? g.Members.OrderBy(m => m.Id).Select(ToResponse).ToList() : null;
        return new GroupResponse(
            g.Id,
            g.Name,
            g.OwnerApplication,
            g.CurrentEpoch,
            new GroupPolicyBody(g.RotationIntervalSeconds, g.RotateOnJoin),
            g.CreatedAt,
            g.Members.Count(m => m.State == MemberState.Active),
            members);
    }

    public static GroupResponse ToResponse(this GroupSummary s) => s.Group.ToResponse(withMembers: false) with { ActiveMembers = s.ActiveMembers };

    public static MemberResponse ToResponse(this GroupMember m) => new(m.Key, m.GatewayId, m.PneId, m.State, m.JoinedAt, m.ChangedAt);

    public static DeliveryResponse ToResponse(this DeliveryRecord d, IReadOnlyList<PneDeliveryReport> pnes) =>
        new(d.Epoch, d.GatewayId, d.Kind, d.Status, d.Attempts, d.CreatedAt, d.UpdatedAt, d.LastSentAt, d.NextAttemptAt, d.AcknowledgedAt, d.LastStatus,
            pnes.Select(p => new PneDeliveryResponse(p.PneId, p.Status, p.ReportedAt)).ToList());

    public static AuditEntryResponse ToResponse(this AuditEntry a) => new(a.Id, a.At, a.Actor, a.Action, a.GroupId, a.Epoch, a.Detail);

    public static PneResponse ToResponse(this PneRegistration p) => new(p.GatewayId, p.PneId, p.PnId, p.Alias, p.RegisteredAt);

    public static EpochResponse ToResponse(this EpochIssued e) => new(e.GroupId, e.Epoch, Rotated: true, e.Reason);
}
