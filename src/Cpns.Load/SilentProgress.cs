namespace Cpns.Load;

/// <summary>No progress display (tests, <c>--quiet</c>); notes go to an optional writer.</summary>
internal sealed class SilentProgress(TextWriter? notes = null) : ILoadProgress
{
    public void Stage(string description, double total) => notes?.WriteLine(description);

    public void Advance(double steps = 1)
    {
        // Nothing to draw.
    }

    public void Note(string text) => notes?.WriteLine(text);
}
