namespace Cpns.Cli.Demo;

/// <summary>A Service Group of the story: its id, and what each PNE is to it.</summary>
internal sealed class StoryGroup
{
    public StoryGroup(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public string Id { get; set; } = string.Empty;

    /// <summary>The latest epoch the server reported for it.</summary>
    public long Epoch { get; set; }

    public bool Deleted { get; set; }

    /// <summary>PNE id → role; PNEs not listed are non-members.</summary>
    public Dictionary<string, MemberRole> Roles { get; } = new(StringComparer.Ordinal);

    public MemberRole RoleOf(string pneId) => Roles.GetValueOrDefault(pneId, MemberRole.NonMember);
}
