namespace Cpns.Crypto;

/// <summary>The stateless broadcast encryption scheme a PN Gateway uses to deliver a Group Key.</summary>
public enum BroadcastSchemeId : byte
{
    /// <summary>Subset Difference (Naor, Naor, Lotspiech 2001): at most 2r-1 header entries for r excluded subtrees.</summary>
    SubsetDifference = 1,

    /// <summary>Complete Subtree (Naor, Naor, Lotspiech 2001): at most r log(n/r) header entries. A baseline.</summary>
    CompleteSubtree = 2,

    /// <summary>One header entry per member under that member's own key. A baseline.</summary>
    Direct = 3,
}
