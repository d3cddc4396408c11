// Kafka's Admin API for stack/transactions.py: one JVM per look at open transactions, and
// one per round of aborts. Kafka's own kafka-transactions.sh needs a JVM per partition to
// abort, and a hanging transaction spans a dozen partitions; this does them together.
// Run from source with the broker's jars: java -cp '<libs>/*' KafkaTransactions.java ...
//
//   <admin.properties> <bootstrap> snapshot
//       every open transaction on a partition leader, then what the coordinators know of
//       the producers that hold them:
//       open <TAB> topic <TAB> partition <TAB> producer id <TAB> epoch <TAB> start offset
//            <TAB> last write (ms since the epoch)
//       transaction <TAB> transactional id <TAB> producer id <TAB> epoch <TAB> state
//            <TAB> partitions it still has to end (topic-partition, comma-separated)
//       still <TAB> topic <TAB> partition <TAB> producer id <TAB> start offset
//            (each open one still open after the coordinators answered: one that ended in
//            between is not taken for one its coordinator forgot)
//   <admin.properties> <bootstrap> abort topic:partition:start-offset ... [then ...]
//       aborts each by writing its abort marker, after checking that a transaction still
//       starts at that offset; the parts before `then` all end before any part after it.
//       aborted|gone|failed <TAB> topic <TAB> partition <TAB> start offset [<TAB> why]
//
// Exit 0, or 1 after a printed `failed` line or an error on stderr.

import java.io.FileReader;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;

public final class KafkaTransactions {
    private KafkaTransactions() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: <admin.properties> <bootstrap> snapshot|abort ...");
            System.exit(2);
        }
        Properties properties = new Properties();
        try (Reader reader = new FileReader(args[0])) {
            properties.load(reader);
        }
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        // A look while a broker is down fails within this, and the caller tries again.
        properties.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        properties.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        int exit;
        try (Admin admin = Admin.create(properties)) {
            if (args[2].equals("snapshot")) {
                exit = snapshot(admin);
            } else if (args[2].equals("abort")) {
                exit = abort(admin, List.of(args).subList(3, args.length));
            } else {
                System.err.println("unknown command: " + args[2]);
                exit = 2;
            }
        } catch (ExecutionException e) {
            System.err.println(e.getCause());
            exit = 1;
        }
        System.exit(exit);
    }

    private static int snapshot(Admin admin) throws Exception {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get().values()) {
            topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
        }
        Set<Long> producerIds = new HashSet<>();
        Set<TopicPartition> open = new HashSet<>();
        admin.describeProducers(partitions).all().get().forEach((partition, state) -> {
            for (ProducerState producer : state.activeProducers()) {
                if (producer.currentTransactionStartOffset().isPresent()) {
                    producerIds.add(producer.producerId());
                    open.add(partition);
                    System.out.println(String.join("\t", "open", partition.topic(),
                        String.valueOf(partition.partition()), String.valueOf(producer.producerId()),
                        String.valueOf(producer.producerEpoch()),
                        String.valueOf(producer.currentTransactionStartOffset().getAsLong()),
                        String.valueOf(producer.lastTimestamp())));
                }
            }
        });
        if (producerIds.isEmpty()) {
            return 0;
        }
        // A coordinator still loading its state fails this call; one that does not hold its
        // state yet lists nothing, which the caller takes as "unknown", never as "ended".
        List<String> ids = new ArrayList<>();
        for (TransactionListing listing : admin.listTransactions(
                new ListTransactionsOptions().filterProducerIds(producerIds)).all().get()) {
            ids.add(listing.transactionalId());
        }
        var described = admin.describeTransactions(ids);
        for (String id : ids) {
            TransactionDescription description;
            try {
                description = described.description(id).get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TransactionalIdNotFoundException) {
                    continue;
                }
                throw e;
            }
            String pending = description.topicPartitions().stream()
                .map(TopicPartition::toString).sorted().collect(Collectors.joining(","));
            System.out.println(String.join("\t", "transaction", id,
                String.valueOf(description.producerId()), String.valueOf(description.producerEpoch()),
                description.state().toString(), pending));
        }
        admin.describeProducers(open).all().get().forEach((partition, state) -> {
            for (ProducerState producer : state.activeProducers()) {
                if (producer.currentTransactionStartOffset().isPresent()) {
                    System.out.println(String.join("\t", "still", partition.topic(),
                        String.valueOf(partition.partition()), String.valueOf(producer.producerId()),
                        String.valueOf(producer.currentTransactionStartOffset().getAsLong())));
                }
            }
        });
        return 0;
    }

    private static int abort(Admin admin, List<String> parts) throws Exception {
        List<List<String>> rounds = new ArrayList<>(List.of(new ArrayList<>()));
        for (String part : parts) {
            if (part.equals("then")) {
                rounds.add(new ArrayList<>());
            } else {
                rounds.get(rounds.size() - 1).add(part);
            }
        }
        for (List<String> round : rounds) {
            Map<String, Future<String>> outcomes = new HashMap<>();
            for (String part : round) {
                outcomes.put(part, abortOne(admin, part));
            }
            boolean failed = false;
            for (String part : round) {
                String[] fields = part.split(":");
                String outcome;
                try {
                    outcome = outcomes.get(part).get();
                } catch (ExecutionException e) {
                    outcome = "failed\t" + String.valueOf(e.getCause()).replace('\t', ' ').replace('\n', ' ');
                    failed = true;
                }
                String[] split = outcome.split("\t", 2);
                List<String> line = new ArrayList<>(List.of(split[0], fields[0], fields[1], fields[2]));
                if (split.length > 1) {
                    line.add(split[1]);
                }
                System.out.println(String.join("\t", line));
            }
            // The next round (the consumer offsets) must not end while a part of this one
            // still hangs: the producer's next commit would commit that part.
            if (failed) {
                return 1;
            }
        }
        return 0;
    }

    /** Like kafka-transactions.sh abort --start-offset: the marker goes to whichever
     *  producer's transaction still starts there, none if it has ended meanwhile. */
    private static Future<String> abortOne(Admin admin, String part) {
        String[] fields = part.split(":");
        TopicPartition partition = new TopicPartition(fields[0], Integer.parseInt(fields[1]));
        long startOffset = Long.parseLong(fields[2]);
        return admin.describeProducers(List.of(partition)).partitionResult(partition)
            .toCompletionStage().thenCompose(state -> {
                for (ProducerState producer : state.activeProducers()) {
                    if (producer.currentTransactionStartOffset().orElse(-1) == startOffset) {
                        AbortTransactionSpec spec = new AbortTransactionSpec(partition,
                            producer.producerId(), (short) producer.producerEpoch(),
                            producer.coordinatorEpoch().orElse(0));
                        return admin.abortTransaction(spec).all().toCompletionStage().thenApply(done ->
                            "aborted\tproducer " + producer.producerId() + ", epoch " + producer.producerEpoch());
                    }
                }
                return CompletableFuture.completedFuture("gone");
            })
            .toCompletableFuture();
    }
}
