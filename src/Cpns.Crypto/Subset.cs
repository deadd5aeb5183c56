namespace Cpns.Crypto;

/// <summary>
/// One subset of a cover, named by tree nodes: S_{A,B} for Subset Difference (A = 0, B = 0 is the
/// full set), the subtree of node A for Complete Subtree, the leaf node A for Direct.
/// </summary>
internal readonly record struct Subset(uint A, uint B);
