namespace Cpns.Fuzz;

/// <summary>
/// One decoder of untrusted input, driven by raw bytes. <see cref="Run"/> lets through only what the
/// decoder must never do: every exception it lets escape is a finding, so each target catches the
/// exception types its decoder documents and nothing else.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>The name on the command line and of the corpus folder (fuzz/corpus/&lt;name&gt;).</summary>
    public abstract string Name { get; }

    /// <summary>The decoder under test and the exceptions it may throw.</summary>
    public abstract string Description { get; }

    /// <summary>Feeds one input to the decoder; throws only for a finding.</summary>
    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>Valid samples and edge cases for the committed seed corpus, by file name.</summary>
    public abstract IEnumerable<KeyValuePair<string, byte[]>> Seeds();

    /// <summary>A decoder broke a promise that is not an exception (a round trip, an agreement between two checks).</summary>
    protected static void Check(bool condition, string promise)
    {
        if (!condition)
        {
            throw new FuzzFindingException(promise);
        }
    }
}
