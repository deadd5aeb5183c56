namespace Cpns.Transport.Tests;

public sealed class LocalReceiverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] PneUp = [Topics.PneUpAll("pn1")];

    [Fact]
    public async Task LocalReceiver_PneMessage_HandledBeforeItsPubAckAndGoesToNoSubscriber()
    {
        var inbox = new Inbox();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var broker = await TestNet.StartBrokerAsync(
            TopicPolicies.PnBroker("pn1", "gw-1"),
            localTopics: PneUp,
            localReceiver: async (message, ct) =>
            {
                await inbox.Add(message, ct);
                await gate.Task.WaitAsync(ct);
            });
        var (gateway, gatewayInbox) = await TestNet.ConnectAsync(broker, "gw-1");
        var (pne, _) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (gateway)
        await using (pne)
        {
            await gateway.SubscribeAsync(Topics.PneUpAll("pn1"), Ct);

            var publish = pne.PublishAsync(Topics.PneUp("pn1", "watch-1"), "answer"u8.ToArray(), cancellationToken: Ct);

            var received = await inbox.ReceiveAsync();
            Assert.Equal((Topics.PneUp("pn1", "watch-1"), "answer"), (received.Topic, System.Text.Encoding.UTF8.GetString(received.Payload.Span)));
            await Task.Delay(200, Ct);
            Assert.False(publish.IsCompleted, "the PNE was acknowledged before its message was handled");
            gate.SetResult();
            await publish.WaitAsync(TestNet.Timeout, Ct);
            Assert.True(await gatewayInbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
        }
    }

    [Fact]
    public async Task LocalReceiver_OnePublishersMessages_InOrderOneAtATime()
    {
        var seen = new List<string>();
        var inFlight = 0;
        var overlapped = false;
        await using var broker = await TestNet.StartBrokerAsync(
            TopicPolicies.PnBroker("pn1", "gw-1"),
            localTopics: PneUp,
            localReceiver: async (message, ct) =>
            {
                overlapped |= Interlocked.Increment(ref inFlight) > 1;
                await Task.Delay(20, ct);
                lock (seen)
                {
                    seen.Add(System.Text.Encoding.UTF8.GetString(message.Payload.Span));
                }

                Interlocked.Decrement(ref inFlight);
            });
        var (pne, _) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (pne)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => pne.PublishAsync(Topics.PneUp("pn1", "watch-1"), System.Text.Encoding.UTF8.GetBytes($"m{i}"), cancellationToken: Ct)));

            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"m{i}"), seen);
            Assert.False(overlapped);
        }
    }

    [Fact]
    public async Task LocalReceiver_Throws_PublisherGetsAFailureAndTheBrokerGoesOn()
    {
        var handled = new Inbox();
        await using var broker = await TestNet.StartBrokerAsync(
            TopicPolicies.PnBroker("pn1", "gw-1"),
            localTopics: PneUp,
            localReceiver: (message, ct) => message.Payload.Span.SequenceEqual("bad"u8) ? throw new InvalidOperationException("store closed") : handled.Add(message, ct));
        var (pne, _) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (pne)
        {
            await Assert.ThrowsAsync<TransportException>(() => pne.PublishAsync(Topics.PneUp("pn1", "watch-1"), "bad"u8.ToArray(), cancellationToken: Ct));

            await pne.PublishAsync(Topics.PneUp("pn1", "watch-1"), "good"u8.ToArray(), cancellationToken: Ct);
            Assert.Equal("good"u8.ToArray(), (await handled.ReceiveAsync()).Payload.ToArray());
        }
    }

    [Fact]
    public async Task LocalReceiver_PublishTheAclRefuses_NeverCalled()
    {
        var handled = new Inbox();
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"), localTopics: PneUp, localReceiver: handled.Add);
        var (pne, _) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (pne)
        {
            // Another PNE's uplink matches the local filter, but the ACL comes first.
            await Assert.ThrowsAsync<TransportException>(() => pne.PublishAsync(Topics.PneUp("pn1", "speaker-1"), "spoof"u8.ToArray(), cancellationToken: Ct));

            Assert.True(await handled.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
        }
    }

    [Fact]
    public async Task StopAsync_LocalCallInFlight_WaitsForItAndItSeesTheCancellation()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = false;
        var broker = await TestNet.StartBrokerAsync(
            TopicPolicies.PnBroker("pn1", "gw-1"),
            localTopics: PneUp,
            localReceiver: async (_, ct) =>
            {
                started.SetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                finally
                {
                    await Task.Delay(100, CancellationToken.None);
                    ended = true;
                }
            });
        var (pne, _) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (pne)
        {
            _ = pne.PublishAsync(Topics.PneUp("pn1", "watch-1"), "answer"u8.ToArray(), cancellationToken: Ct);
            await started.Task.WaitAsync(TestNet.Timeout, Ct);

            await broker.StopAsync().WaitAsync(TestNet.Timeout, Ct);

            Assert.True(ended);
        }
    }

    [Fact]
    public async Task PublishAsync_FromTheBrokersProcess_ReachesSubscribersAndTheRetainedStore()
    {
        await using var broker = await TestNet.StartBrokerAsync(TopicPolicies.PnBroker("pn1", "gw-1"));
        var (pne, inbox) = await TestNet.ConnectAsync(broker, "watch-1");
        await using (pne)
        {
            await pne.SubscribeAsync(Topics.PneDown("pn1", "watch-1"), Ct);

            await broker.PublishAsync(Topics.PneDown("pn1", "watch-1"), "pointed"u8.ToArray(), cancellationToken: Ct);
            await broker.PublishAsync(Topics.PnGroup("pn1", "g1"), "epoch-3"u8.ToArray(), retain: true, Ct);

            Assert.Equal("pointed"u8.ToArray(), (await inbox.ReceiveAsync()).Payload.ToArray());
        }

        var (late, lateInbox) = await TestNet.ConnectAsync(broker, "speaker-1");
        await using (late)
        {
            await late.SubscribeAsync(Topics.PnGroupsAll("pn1"), Ct);
            var retained = await lateInbox.ReceiveAsync();
            Assert.Equal(("epoch-3", true), (System.Text.Encoding.UTF8.GetString(retained.Payload.Span), retained.Retained));

            // An empty retained payload clears the topic for later subscribers.
            await broker.PublishAsync(Topics.PnGroup("pn1", "g1"), ReadOnlyMemory<byte>.Empty, retain: true, Ct);
        }

        var (last, lastInbox) = await TestNet.ConnectAsync(broker, "clock-1");
        await using (last)
        {
            await last.SubscribeAsync(Topics.PnGroupsAll("pn1"), Ct);
            Assert.True(await lastInbox.StaysEmptyAsync(TimeSpan.FromMilliseconds(300)));
        }

        await Assert.ThrowsAsync<ArgumentException>(() => broker.PublishAsync("pn/pn1/groups/+", "x"u8.ToArray(), cancellationToken: Ct));
    }
}
