namespace Cpns.Cli.Demo;

/// <summary>What a PNE is to a Service Group in the story, and so what its key store must show.</summary>
internal enum MemberRole
{
    /// <summary>Never a member: never holds the group's key.</summary>
    NonMember,

    /// <summary>A member: holds the current epoch.</summary>
    Member,

    /// <summary>Left the group: deleted the key, never holds a later epoch.</summary>
    Left,

    /// <summary>Known compromised: cannot open any epoch issued after.</summary>
    Compromised,
}
