namespace Cpns.Load;

/// <summary>Where a run reports how far it is: a Spectre.Console progress bar on a terminal, nothing in tests.</summary>
internal interface ILoadProgress
{
    /// <summary>Starts a new stage of <paramref name="total"/> steps (the previous one is complete).</summary>
    public void Stage(string description, double total);

    /// <summary>Advances the current stage.</summary>
    public void Advance(double steps = 1);

    /// <summary>A line for the log under the bar.</summary>
    public void Note(string text);
}
