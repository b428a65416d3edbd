package placement

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/broker/state"
)

func TestDistribute(t *testing.T) {
	tests := []struct {
		name                        string
		clusterSize, partitions, rf int
		// members[p-1] is partition p's expected member list, priority first.
		members [][]int32
		// byNode[n] is node n's expected partitions.
		byNode [][]int32
	}{
		{
			name:        "single broker",
			clusterSize: 1, partitions: 1, rf: 1,
			members: [][]int32{{0}},
			byNode:  [][]int32{{1}},
		},
		{
			// Zeebe's documented three-broker set-up: every broker hosts every partition and
			// leads one of them.
			name:        "cluster 3, partitions 3, rf 3",
			clusterSize: 3, partitions: 3, rf: 3,
			members: [][]int32{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}},
			byNode:  [][]int32{{1, 2, 3}, {1, 2, 3}, {1, 2, 3}},
		},
		{
			// Zeebe's documented five-broker cluster: broker 0 leads partition 1 and follows
			// 4 and 5, broker 1 leads 2 and follows 1 and 5, and so on.
			name:        "cluster 5, partitions 5, rf 3",
			clusterSize: 5, partitions: 5, rf: 3,
			members: [][]int32{{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1}},
			byNode:  [][]int32{{1, 4, 5}, {1, 2, 5}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}},
		},
		{
			name:        "more partitions than brokers wraps around",
			clusterSize: 3, partitions: 6, rf: 2,
			members: [][]int32{{0, 1}, {1, 2}, {2, 0}, {0, 1}, {1, 2}, {2, 0}},
			byNode:  [][]int32{{1, 3, 4, 6}, {1, 2, 4, 5}, {2, 3, 5, 6}},
		},
		{
			name:        "fewer partitions than brokers leaves some idle",
			clusterSize: 4, partitions: 2, rf: 1,
			members: [][]int32{{0}, {1}},
			byNode:  [][]int32{{1}, {2}, nil, nil},
		},
		{
			// Round robin is not always even: nodes 1 and 2 carry five replicas, node 4 three.
			name:        "cluster 5, partitions 7, rf 3",
			clusterSize: 5, partitions: 7, rf: 3,
			members: [][]int32{{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1}, {0, 1, 2}, {1, 2, 3}},
			byNode:  [][]int32{{1, 4, 5, 6}, {1, 2, 5, 6, 7}, {1, 2, 3, 6, 7}, {2, 3, 4, 7}, {3, 4, 5}},
		},
		{
			name:        "no replication",
			clusterSize: 3, partitions: 4, rf: 1,
			members: [][]int32{{0}, {1}, {2}, {0}},
			byNode:  [][]int32{{1, 4}, {2}, {3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := Distribute(tt.clusterSize, tt.partitions, tt.rf)
			require.NoError(t, err)
			assert.Equal(t, tt.clusterSize, pl.ClusterSize())
			assert.Equal(t, tt.partitions, pl.PartitionCount())
			assert.Equal(t, tt.rf, pl.ReplicationFactor())
			require.Len(t, pl.Partitions(), tt.partitions)
			for i, want := range tt.members {
				p := int32(i + 1)
				assert.Equal(t, want, pl.Members(p), "members of partition %d", p)
				assert.Equal(t, want[0], pl.Priority(p), "priority of partition %d", p)
				for _, n := range want {
					assert.True(t, pl.Hosts(n, p), "node %d hosts partition %d", n, p)
				}
			}
			for n, want := range tt.byNode {
				assert.Equal(t, want, pl.PartitionsOf(int32(n)), "partitions of node %d", n)
			}
		})
	}
}

func TestDistributeRejectsBadSettings(t *testing.T) {
	tests := []struct {
		clusterSize, partitions, rf int
		setting                     string
	}{
		{0, 1, 1, "cluster size 0"},
		{-1, 1, 1, "cluster size -1"},
		{MaxClusterSize + 1, 1, 1, fmt.Sprintf("cluster size %d", MaxClusterSize+1)},
		{3, 0, 1, "partition count 0"},
		{3, MaxPartitions + 1, 1, fmt.Sprintf("partition count %d", MaxPartitions+1)},
		{3, 3, 0, "replication factor 0"},
		{3, 3, 4, "replication factor 4: must not exceed the cluster size 3"},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			_, err := Distribute(tt.clusterSize, tt.partitions, tt.rf)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidSetting))
			assert.Contains(t, err.Error(), tt.setting)
		})
	}
}

func TestOutOfRangeLookups(t *testing.T) {
	pl, err := Distribute(3, 3, 2)
	require.NoError(t, err)
	for _, p := range []int32{0, -1, 4} {
		assert.Nil(t, pl.Members(p))
		assert.Equal(t, int32(-1), pl.Priority(p))
		assert.False(t, pl.Hosts(0, p))
	}
	assert.Nil(t, pl.PartitionsOf(-1))
	assert.Nil(t, pl.PartitionsOf(3))

	var zero Placement
	assert.Nil(t, zero.Members(1))
	assert.Nil(t, zero.PartitionsOf(0))
	assert.Empty(t, zero.Partitions())
}

func TestReturnedSlicesAreCopies(t *testing.T) {
	pl, err := Distribute(3, 3, 3)
	require.NoError(t, err)
	m := pl.Members(1)
	m[0] = 99
	assert.Equal(t, int32(0), pl.Priority(1))
	ps := pl.PartitionsOf(0)
	ps[0] = 99
	assert.Equal(t, []int32{1, 2, 3}, pl.PartitionsOf(0))
}

// TestMaxPartitionsFitsKeys keeps MaxPartitions in step with the key layout: the largest
// partition id must fit the bits broker/state leaves above the key counter.
func TestMaxPartitionsFitsKeys(t *testing.T) {
	assert.Equal(t, 1<<(63-state.KeyBits)-1, MaxPartitions)
}

// TestDistributionProperties checks, over a grid of configurations, what every node relies
// on: each partition has replicationFactor distinct members within the cluster, the
// priority is one of them, the two views (by partition, by node) agree, the priority load
// differs by at most one between nodes, and the result depends on nothing but the three
// settings.
//
// The replica load is even only in the common cases (partitions a multiple of the cluster
// size, replication factor 1 or equal to the cluster size); otherwise round robin leaves a
// spread of up to min(rf, clusterSize-rf). Cluster 5, partitions 7, rf 3 gives loads
// 4,5,5,4,3. That is Zeebe's distribution too, kept for compatibility; the test pins the
// exact spread so a change of algorithm is a deliberate one.
func TestDistributionProperties(t *testing.T) {
	for clusterSize := 1; clusterSize <= 12; clusterSize++ {
		for partitions := 1; partitions <= 40; partitions++ {
			for rf := 1; rf <= clusterSize; rf++ {
				pl, err := Distribute(clusterSize, partitions, rf)
				require.NoError(t, err)
				name := fmt.Sprintf("cluster %d, partitions %d, rf %d", clusterSize, partitions, rf)

				// Plain comparisons in the inner loops: a few thousand configurations.
				load := make([]int, clusterSize)
				leads := make([]int, clusterSize)
				for _, p := range pl.Partitions() {
					members := pl.Members(p)
					if len(members) != rf {
						t.Fatalf("%s: partition %d has %d members", name, p, len(members))
					}
					seen := map[int32]bool{}
					for _, n := range members {
						if n < 0 || int(n) >= clusterSize {
							t.Fatalf("%s: partition %d: node %d out of range", name, p, n)
						}
						if seen[n] {
							t.Fatalf("%s: partition %d lists node %d twice", name, p, n)
						}
						seen[n] = true
						if !pl.Hosts(n, p) {
							t.Fatalf("%s: Hosts(%d, %d) is false", name, n, p)
						}
						load[n]++
					}
					if pl.Priority(p) != members[0] {
						t.Fatalf("%s: partition %d: priority %d, first member %d", name, p, pl.Priority(p), members[0])
					}
					leads[members[0]]++
				}
				total := 0
				for n := range clusterSize {
					parts := pl.PartitionsOf(int32(n))
					if len(parts) != load[n] {
						t.Fatalf("%s: node %d hosts %v, expected %d partitions", name, n, parts, load[n])
					}
					for i, p := range parts {
						if !slices.Contains(pl.Members(p), int32(n)) || (i > 0 && parts[i-1] >= p) {
							t.Fatalf("%s: node %d: partitions %v disagree with Members or are not ascending", name, n, parts)
						}
					}
					total += load[n]
				}
				require.Equal(t, partitions*rf, total, name)
				require.LessOrEqual(t, spread(leads), 1, "%s: priority load %v", name, leads)
				require.Equal(t, replicaSpread(clusterSize, partitions, rf), spread(load), "%s: replica load %v", name, load)
				require.LessOrEqual(t, spread(load), min(rf, clusterSize-rf), name)
				if partitions%clusterSize == 0 || rf == 1 || rf == clusterSize {
					require.LessOrEqual(t, spread(load), 1, "%s: replica load %v", name, load)
				}

				again, err := Distribute(clusterSize, partitions, rf)
				require.NoError(t, err)
				require.Equal(t, pl, again, name)
			}
		}
	}
}

// replicaSpread is the difference between the most and the least loaded node under round
// robin. With partitions = q*clusterSize + r, partitions 1..r start one extra window of rf
// consecutive nodes; node n hosts q*rf partitions plus one for every such start among the
// rf nodes ending at n, which is at most min(r, rf) and at least max(0, r+rf-clusterSize).
func replicaSpread(clusterSize, partitions, rf int) int {
	r := partitions % clusterSize
	return min(r, rf) - max(0, r+rf-clusterSize)
}

func spread(xs []int) int {
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return hi - lo
}

func TestDistributeLargest(t *testing.T) {
	pl, err := Distribute(MaxClusterSize, MaxPartitions, 3)
	require.NoError(t, err)
	// Partition 4095 starts at node 4094 mod 1024 = 1022 and wraps around to node 0.
	assert.Equal(t, []int32{1022, 1023, 0}, pl.Members(MaxPartitions))
}

func BenchmarkDistribute(b *testing.B) {
	for b.Loop() {
		if _, err := Distribute(9, 128, 3); err != nil {
			b.Fatal(err)
		}
	}
}

// Messages are placed as Zeebe places them: by the Java hash of the correlation key.
func TestMessagePartition(t *testing.T) {
	assert.Equal(t, int32(99162322), CorrelationHash("hello"), "Java's \"hello\".hashCode()")
	assert.Equal(t, int32(2), MessagePartition("hello", 3))
	assert.Equal(t, int32(1), MessagePartition("", 3))
	assert.Equal(t, int32(1), MessagePartition("anything", 1))
	// A negative hash takes the remainder's absolute value.
	h := CorrelationHash("order-123456789")
	require.Less(t, h, int32(0), "the example key must hash negative")
	want := -(h % 4) + 1
	assert.Equal(t, want, MessagePartition("order-123456789", 4))
	seen := map[int32]bool{}
	for i := range 100 {
		p := MessagePartition(fmt.Sprintf("key-%d", i), 5)
		require.True(t, p >= 1 && p <= 5, "partition %d out of range", p)
		seen[p] = true
	}
	assert.Len(t, seen, 5, "keys spread over every partition")
}
