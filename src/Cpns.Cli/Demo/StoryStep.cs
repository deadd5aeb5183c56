using System.Text.Json.Serialization;

namespace Cpns.Cli.Demo;

/// <summary>One step of the story: what it shows, whether it passed, what it measured.</summary>
internal sealed class StoryStep
{
    public StoryStep(string name, string title)
    {
        Name = name;
        Title = title;
    }

    /// <summary>A stable id, e.g. <c>member-compromised</c>.</summary>
    public string Name { get; }

    /// <summary>What the step shows, in the documents' words.</summary>
    public string Title { get; }

    /// <summary>Null while running or not yet run.</summary>
    public bool? Passed { get; set; }

    [JsonIgnore]
    public bool Running { get; set; }

    /// <summary>What was checked, or why it failed.</summary>
    public string Detail { get; set; } = string.Empty;

    public double DurationMs { get; set; }

    /// <summary>The group epoch the step issued or checked, when it has one.</summary>
    public long? Epoch { get; set; }
}
