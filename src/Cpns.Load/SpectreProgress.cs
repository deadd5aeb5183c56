using Spectre.Console;

namespace Cpns.Load;

/// <summary>A Spectre.Console progress bar per stage (on standard error, so that <c>--json</c> output stays clean).</summary>
internal sealed class SpectreProgress(ProgressContext context, IAnsiConsole console) : ILoadProgress
{
    private ProgressTask? _current;

    public void Stage(string description, double total)
    {
        if (_current is not null)
        {
            _current.Value = _current.MaxValue;
            _current.StopTask();
        }

        _current = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
    }

    public void Advance(double steps = 1) => _current?.Increment(steps);

    public void Note(string text) => console.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
}
