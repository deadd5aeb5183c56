namespace Cpns.Fuzz;

/// <summary>Runs one input through a target with the checks every target shares.</summary>
internal static class FuzzHarness
{
    /// <summary>
    /// Allocation allowed for one input: a fixed allowance plus a multiple of the input's length. A decoder that
    /// allocates more trusted a length field before checking it against the bytes it has, which is how an
    /// attacker's 20-byte message becomes an OutOfMemoryException on a small device.
    /// </summary>
    public const long FixedAllocationAllowance = 32L << 20;

    /// <summary>Bytes allowed per input byte on top of <see cref="FixedAllocationAllowance"/>.</summary>
    public const long AllocationPerInputByte = 64;

    public static void Execute(FuzzTarget target, ReadOnlySpan<byte> input)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        target.Run(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var allowed = FixedAllocationAllowance + (AllocationPerInputByte * input.Length);
        if (allocated > allowed)
        {
            throw new FuzzFindingException(
                $"{target.Name} allocated {allocated} bytes for a {input.Length}-byte input (allowed {allowed}): a length field is trusted before it is checked.");
        }
    }
}
