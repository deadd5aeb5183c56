using System.CommandLine;
using System.Diagnostics;
using Cpns.Crypto;
using Spectre.Console;

namespace Cpns.Cli.Walkthrough;

/// <summary>
/// `cpns walkthrough`: the cryptographic story of one PN in one process. A PN Gateway creates its
/// key material set, assigns GKDKs to its PNEs (flow 6.1.2.2), and broadcasts a Group Key to the
/// members of a Service Group (flow 6.x.y); every PNE then tries to open the broadcast.
/// </summary>
internal static class WalkthroughCommand
{
    public static Command Create()
    {
        var pnes = new Option<int>("--pnes") { Description = "PNEs registered in the PN (2 to 4096).", DefaultValueFactory = _ => 12 };
        var members = new Option<int>("--members") { Description = "How many of them belong to the Service Group (1 to --pnes).", DefaultValueFactory = _ => 7 };
        var height = new Option<int>("--height") { Description = "Height h of the PN Gateway's tree; it serves 2^h PNEs (1 to 24).", DefaultValueFactory = _ => KeyMaterialSet.DefaultHeight };
        var seed = new Option<int?>("--seed") { Description = "Seed for choosing which PNEs are members, to repeat a run." };
        var command = new Command("walkthrough", "Walk through GKDK assignment and one Group Key broadcast in a PN, showing who can decrypt it.")
        {
            pnes, members, height, seed,
        };
        command.SetAction(result => Run(result.GetValue(pnes), result.GetValue(members), result.GetValue(height), result.GetValue(seed)));
        return command;
    }

    private static int Run(int pneCount, int memberCount, int height, int? seed)
    {
        if (height is < 1 or > KeyMaterialSet.MaxHeight)
        {
            AnsiConsole.MarkupLine("[red]--height must be 1 to 24.[/]");
            return 2;
        }

        if (pneCount < 2 || pneCount > Math.Min(4096, 1 << height))
        {
            AnsiConsole.MarkupLine($"[red]--pnes must be 2 to {Math.Min(4096, 1 << height)} for a tree of height {height}.[/]");
            return 2;
        }

        if (memberCount < 1 || memberCount > pneCount)
        {
            AnsiConsole.MarkupLine("[red]--members must be 1 to --pnes.[/]");
            return 2;
        }

        var random = seed is { } s ? new Random(s) : new Random();
        AnsiConsole.Write(new Rule("[bold]CPNS Group Key walk-through[/]"));

        // Flow 6.1.2.2, step 3: the PN GW creates its key material set once.
        using var kms = KeyMaterialSet.Create(height);
        AnsiConsole.MarkupLine($"PN GW [bold]gw-home[/] created its key material set: tree height {height}, room for {kms.Capacity:N0} PNEs.");

        // Steps 4-5: each PNE gets the next free leaf and its GKDK.
        var gkdks = new Gkdk[pneCount];
        var clock = Stopwatch.StartNew();
        for (var leaf = 0; leaf < pneCount; leaf++)
        {
            gkdks[leaf] = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, leaf);
        }

        clock.Stop();
        AnsiConsole.MarkupLine($"{pneCount} PNEs registered and received their GKDKs ({gkdks[0].KeyCount} labels each, {clock.Elapsed.TotalMilliseconds:F1} ms for all).");

        var memberLeaves = Enumerable.Range(0, pneCount).OrderBy(_ => random.Next()).Take(memberCount).Order().ToArray();
        using var groupKey = GroupKey.Create("family-photos", 1);
        AnsiConsole.MarkupLine($"Service Group [bold]family-photos[/]: {memberCount} members in this PN; the CPNS Server created its Group Key, epoch 1.");

        // Flow 6.x.y, steps 4-6: a fresh GKEK, the header for the cover, the sealed GK, one broadcast.
        var schemes = new[] { BroadcastScheme.SubsetDifference, BroadcastScheme.CompleteSubtree, BroadcastScheme.Direct };
        var broadcasts = schemes.Select(scheme => scheme.Encrypt(kms, memberLeaves, groupKey, "pn-home")).ToArray();
        var sd = broadcasts[0];
        AnsiConsole.MarkupLine($"The PN GW broadcast the Group Key once: {sd.HeaderEntryCount} header entries, {sd.Header.Length + sd.Nonce.Length + sd.SealedKey.Length} bytes in all.");

        var table = new Table().Title("Who can open the broadcast (flow 6.x.y step 8)")
            .AddColumn("PNE").AddColumn("leaf").AddColumn("member").AddColumn("result");
        var correct = 0;
        for (var leaf = 0; leaf < pneCount; leaf++)
        {
            var isMember = Array.BinarySearch(memberLeaves, leaf) >= 0;
            var status = BroadcastScheme.SubsetDifference.TryDecrypt(gkdks[leaf], sd, out var received);
            var opened = status == BroadcastDecryptStatus.Success && received!.KeyEquals(groupKey);
            received?.Dispose();
            correct += opened == isMember ? 1 : 0;
            table.AddRow(
                $"pne-{leaf + 1:D2}",
                leaf.ToString(System.Globalization.CultureInfo.InvariantCulture),
                isMember ? "yes" : "no",
                opened ? "[green]decrypted the Group Key[/]" : $"[grey]{status}[/]");
        }

        AnsiConsole.Write(table);

        var sizes = new Table().Title("The same delivery with the baseline schemes")
            .AddColumn("scheme").AddColumn("header entries").AddColumn("header bytes");
        for (var k = 0; k < schemes.Length; k++)
        {
            sizes.AddRow(schemes[k].Id.ToString(), broadcasts[k].HeaderEntryCount.ToString(System.Globalization.CultureInfo.InvariantCulture), broadcasts[k].Header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(sizes);
        foreach (var gkdk in gkdks)
        {
            gkdk.Dispose();
        }

        var passed = correct == pneCount;
        AnsiConsole.MarkupLine(passed
            ? $"[green]Every member decrypted and every non-member was refused ({pneCount}/{pneCount}).[/]"
            : $"[red]{pneCount - correct} PNEs got the wrong outcome.[/]");
        return passed ? 0 : 1;
    }
}
