namespace Cpns.Server.Domain;

/// <summary>State of a Service Group member.</summary>
internal enum MemberState
{
    Active,
    Left,

    /// <summary>Permanent: a compromised PNE is never re-added to the group and never receives a later GK.</summary>
    Compromised,
}
