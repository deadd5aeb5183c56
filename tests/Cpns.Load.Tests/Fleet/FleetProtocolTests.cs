using Cpns.Load.Fleet;
using Cpns.Load.Fleet.Workers;

namespace Cpns.Load.Tests.Fleet;

/// <summary>The lines between the bench process and its fleet workers: what is written reads back the same, and nothing else reads at all.</summary>
public sealed class FleetProtocolTests
{
    [Fact]
    public void Write_EveryCommand_ReadsBackTheSame()
    {
        FleetCommand[] commands =
        [
            new InitCommand(new Uri("http://127.0.0.1:5123/"), "key-1", "/dev/shm/fleet", 12),
            new GrowCommand(3, [0, 2, 4], 10, 4),
            new UsageCommand(7),
        ];

        foreach (var command in commands)
        {
            var line = FleetProtocol.Write(command);
            Assert.DoesNotContain('\n', line);
            Assert.StartsWith("{\"type\":", line, StringComparison.Ordinal);

            var read = FleetProtocol.ReadCommand(line);

            Assert.IsType(command.GetType(), read);
            Assert.Equal(line, FleetProtocol.Write(read));
        }

        var grow = Assert.IsType<GrowCommand>(FleetProtocol.ReadCommand(FleetProtocol.Write(commands[1])));
        Assert.Equal([0, 2, 4], grow.Gateways);
        Assert.Equal((3, 10, 4), (grow.Id, grow.PnesPerGateway, grow.Parallelism));
    }

    [Fact]
    public void Write_EveryEvent_ReadsBackTheSame()
    {
        var health = new FleetHealth(1, 2, ["e"], ["w"], new Dictionary<string, long> { ["device BadTag"] = 3 }, 4);
        FleetEvent[] events =
        [
            new HelloEvent(42, HelloEvent.CurrentVersion, 1_000_000_000, long.MaxValue - 1),
            new ProgressEvent(1),
            new StoredEvent("0b0f3e6c-2f1e-4d38-9a57-3f0f5a8f1c11", ulong.MaxValue, 123_456_789_012),
            new GrownEvent(3, 2, 20),
            new UsageEvent(7, new FleetProcessUsage("worker", 42, 2, 20, 1.5, 1 << 30, 61, GcPauseSeconds: 0.25, Gen2Collections: 3, AllocatedBytes: 5L << 32), health),
            new FailedEvent(3, "TimeoutException: no answer"),
        ];

        foreach (var message in events)
        {
            var line = FleetProtocol.Write(message);
            Assert.DoesNotContain('\n', line);

            var read = FleetProtocol.ReadEvent(line);

            Assert.IsType(message.GetType(), read);
            Assert.Equal(line, FleetProtocol.Write(read));
        }

        var stored = Assert.IsType<StoredEvent>(FleetProtocol.ReadEvent(FleetProtocol.Write(events[2])));
        Assert.Equal(events[2], stored);
        var usage = Assert.IsType<UsageEvent>(FleetProtocol.ReadEvent(FleetProtocol.Write(events[4])));
        Assert.Equal(events[4] is UsageEvent u ? u.Usage : null, usage.Usage);
        Assert.Equal((0.25, 3, 5L << 32), (usage.Usage.GcPauseSeconds, usage.Usage.Gen2Collections, usage.Usage.AllocatedBytes));
        Assert.Equal(3, usage.Health.Refused["device BadTag"]);
        Assert.Equal(["e"], usage.Health.ErrorMessages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[1]")]
    [InlineData("{}")]
    [InlineData("{\"type\":\"gone\"}")]
    [InlineData("{\"groupId\":\"g\",\"epoch\":1,\"timestamp\":2}")]
    [InlineData("{\"type\":\"stored\",\"groupId\":\"g\",\"epoch\":1}")]
    [InlineData("{\"type\":\"stored\",\"groupId\":null,\"epoch\":1,\"timestamp\":2}")]
    [InlineData("{\"type\":\"stored\",\"groupId\":\"g\",\"epoch\":\"1\",\"timestamp\":2}")]
    [InlineData("{\"type\":\"stored\",\"groupId\":\"g\",\"epoch\":-1,\"timestamp\":2}")]
    [InlineData("{\"type\":\"stored\",\"groupId\":\"g\",\"epoch\":1,\"timestamp\":2,\"extra\":0}")]
    [InlineData("{\"type\":\"stored\",\"groupId\":\"g\",\"epoch\":1,\"timestamp\":2}{\"type\":\"progress\",\"steps\":1}")]
    [InlineData("{\"type\":\"grow\",\"id\":1,\"gateways\":[0],\"pnesPerGateway\":1,\"parallelism\":1}")]
    public void ReadEvent_MalformedLine_RefusedWithTheLineQuoted(string line)
    {
        var e = Assert.Throws<FleetProtocolException>(() => FleetProtocol.ReadEvent(line));

        Assert.StartsWith("malformed line (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith($"'{line}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadCommand_LongMalformedLine_QuotedShortened()
    {
        var line = "{\"type\":\"usage\",\"id\":" + new string('9', 5000) + "}";

        var e = Assert.Throws<FleetProtocolException>(() => FleetProtocol.ReadCommand(line));

        Assert.Contains($"({line.Length} characters)", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 700, e.Message);
    }
}
