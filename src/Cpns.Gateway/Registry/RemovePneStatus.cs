namespace Cpns.Gateway.Registry;

/// <summary>The outcome of removing a PNE from the PN.</summary>
public enum RemovePneStatus
{
    /// <summary>The PNE is removed, for good.</summary>
    Removed = 0,

    /// <summary>The PNE was already removed.</summary>
    AlreadyRemoved = 1,

    /// <summary>No PNE with this id was ever registered.</summary>
    UnknownPne = 2,
}
