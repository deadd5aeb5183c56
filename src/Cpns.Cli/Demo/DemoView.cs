using System.Globalization;
using Cpns.Device.Storage;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cpns.Cli.Demo;

/// <summary>The demo's live screen: the story's steps, and every PNE's key store per group (epochs, deletes, roles).</summary>
internal static class DemoView
{
    public static async Task<IRenderable> RenderAsync(DemoStory story, int frame, CancellationToken cancellationToken)
    {
        var steps = new Table().Border(TableBorder.Rounded).Title("[bold]The story[/]")
            .AddColumn("").AddColumn("step").AddColumn("what it showed").AddColumn(new TableColumn("time").RightAligned());
        foreach (var step in story.Steps)
        {
            var mark = step.Running ? $"[yellow]{"|/-\\"[frame % 4]}[/]"
                : step.Passed switch { true => "[green]✓[/]", false => "[red]✗[/]", null => "[grey]·[/]" };
            var detail = step.Running && step.Detail.Length == 0 ? "[grey]…[/]" : Markup.Escape(step.Detail);
            steps.AddRow(mark, Markup.Escape(step.Title), detail, step.Passed is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{step.DurationMs / 1000:F1} s"));
        }

        return new Rows(steps, await StoresAsync(story, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One row per PNE, one column per group: what the device's own store holds.</summary>
    public static async Task<Table> StoresAsync(DemoStory story, CancellationToken cancellationToken)
    {
        await RefreshEpochsAsync(story, cancellationToken).ConfigureAwait(false);
        var table = new Table().Border(TableBorder.Simple).Title("[bold]PNE key stores[/] (epoch held; [green]member[/], [grey]non-member[/], [yellow]left[/], [red]compromised[/])");
        table.AddColumn("PN").AddColumn("PNE");
        foreach (var group in story.Groups)
        {
            table.AddColumn(new TableColumn($"{Markup.Escape(group.Name)}{(group.Epoch > 0 ? $" (e{group.Epoch})" : string.Empty)}").Centered());
        }

        string? lastPn = null;
        foreach (var pne in story.System.Pnes.ToList().OrderBy(p => p.PneId, StringComparer.Ordinal))
        {
            var cells = new List<string> { pne.Gateway.PnId == lastPn ? string.Empty : Markup.Escape(pne.Gateway.PnId), Markup.Escape(pne.PneId) };
            lastPn = pne.Gateway.PnId;
            foreach (var group in story.Groups)
            {
                cells.Add(group.Id.Length == 0 ? string.Empty : Cell(group.RoleOf(pne.PneId), await SafeGetAsync(pne, group.Id, cancellationToken).ConfigureAwait(false)));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    /// <summary>The server's current epoch of each live group: periodic rotations move it without the story.</summary>
    private static async Task RefreshEpochsAsync(DemoStory story, CancellationToken cancellationToken)
    {
        if (story.System.Apis.Count == 0)
        {
            return;
        }

        foreach (var group in story.Groups.Where(g => g.Id.Length > 0 && !g.Deleted))
        {
            try
            {
                group.Epoch = Math.Max(group.Epoch, await story.System.Api.CurrentEpochAsync(group.Id, cancellationToken).ConfigureAwait(false));
            }
            catch (HttpRequestException)
            {
                // A busy or stopping server: the next frame asks again.
            }
        }
    }

    private static async Task<GroupKeyInfo?> SafeGetAsync(StoryPne pne, string groupId, CancellationToken cancellationToken)
    {
        try
        {
            return await pne.GetGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or DeviceStoreException or InvalidOperationException)
        {
            // A store being replaced or a device being stopped: the next frame shows it.
            return null;
        }
    }

    private static string Cell(MemberRole role, GroupKeyInfo? info)
    {
        var held = info switch
        {
            null => "—",
            { Status: GroupKeyStatus.Active } => string.Create(CultureInfo.InvariantCulture, $"e{info.Epoch}"),
            _ => info.DeletedAtEpoch > 0 ? string.Create(CultureInfo.InvariantCulture, $"deleted at e{info.DeletedAtEpoch}") : "deleted",
        };
        var colour = role switch
        {
            MemberRole.Member => "green",
            MemberRole.Left => "yellow",
            MemberRole.Compromised => "red",
            _ => "grey",
        };
        return $"[{colour}]{Markup.Escape(held)}[/]";
    }
}
