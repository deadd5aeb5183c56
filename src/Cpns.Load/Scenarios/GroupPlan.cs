namespace Cpns.Load.Scenarios;

/// <summary>A Service Group of the run: its server id once created, and its members (gateway, PNE).</summary>
internal sealed class GroupPlan(string name, IReadOnlyList<(string GatewayId, string PneId)> members)
{
    public string Name { get; } = name;

    public IReadOnlyList<(string GatewayId, string PneId)> Members { get; } = members;

    public int GatewayCount => Members.Select(m => m.GatewayId).Distinct(StringComparer.Ordinal).Count();

    public string Id { get; set; } = "";

    /// <summary>The epoch every member is known to hold.</summary>
    public ulong Epoch { get; set; }
}
