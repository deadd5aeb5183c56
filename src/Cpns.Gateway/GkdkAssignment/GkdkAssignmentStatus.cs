namespace Cpns.Gateway.GkdkAssignment;

/// <summary>The outcome of a GKDK Assignment Request (flow 6.1.2.2).</summary>
public enum GkdkAssignmentStatus
{
    /// <summary>The GKDK was derived and wrapped under the PNE's EU-Key.</summary>
    Assigned = 0,

    /// <summary>No PNE with this id is registered in the PN (no EU-Key assignment happened).</summary>
    UnknownPne = 1,

    /// <summary>The PNE was removed from the PN; it never gets a GKDK again.</summary>
    Removed = 2,

    /// <summary>The gateway identity (PN id) is not initialized yet.</summary>
    NotInitialized = 3,

    /// <summary>Every leaf of the tree has been given out; the PN is full.</summary>
    TreeFull = 4,
}
