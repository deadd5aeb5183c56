using Cpns.Cli.Demo;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>A Service Group a fault test made, and its member PNEs.</summary>
internal sealed record FaultGroup(string Id, IReadOnlyList<StoryPne> Members);
