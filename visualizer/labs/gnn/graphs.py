"""Graphs for the GNN explainer: built in, generated with a seed, or read from the user's file.

Everything here is torch-free (networkx, numpy). Whatever the source, a graph becomes a
`GraphData`: node names (strings, the ids in the order of the rows), an undirected
`edge_index` (2 × E, both directions, no self-loops, no duplicates; what the layers get),
classes (−1 where unknown) and the numeric node attributes that may serve as features.

    karate      Zachary's karate club (34 nodes): attribute `club` (the two factions) and
                `community` (the four modularity communities PyG's KarateClub labels)
    lesmis      Les Misérables co-occurrence (77 characters)
    florentine  Florentine families (15)
    davis       Davis southern women (18 women, 14 events; attribute `bipartite`)
    sbm         stochastic block model: `blocks` equal blocks, average degree `degree`, a
                fraction `mixing` of each node's edges leaving its block; attribute `group`
    grid        a √n × √n grid;  tree  a uniformly random labelled tree;  ba  Barabási–Albert
    FILE        GML, GraphML, GEXF, Pajek, node-link JSON, edge list / CSV of pairs, adjacency list

Classes come from `--class-attr` (default: club, group or class where present; never GML's
label, which is the node's name). Where there is none they are the graph's communities
(networkx's Louvain, seeded; above LOUVAIN_MAX_EDGES edges, seeded spectral clustering, which
takes seconds where networkx's Louvain and label propagation take minutes) and `classes_from`
says so. Malformed, self-contradicting and empty graphs
raise ConfigError naming the option and saying what is wrong and where.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

from visualizer.core.errors import ConfigError
from visualizer.labs.gnn.config import AUTO_CLASS_ATTRS, GENERATED, GRAPH_SUFFIXES
from visualizer.labs.gnn.progress import PROGRESS

# PyG's KarateClub labels (torch_geometric/datasets/karate.py): four communities obtained via
# modularity-based clustering (Brandes et al., 2008), node i ↔ entry i.
KARATE_COMMUNITIES = (1, 1, 1, 1, 3, 3, 3, 1, 0, 1, 3, 1, 1, 1, 0, 0, 3, 1, 0, 1, 0, 1,
                      0, 0, 2, 2, 0, 0, 2, 0, 0, 2, 0, 0)
MAX_NODES = 1_000_000
MAX_EDGES = 10_000_000
MAX_CLASSES = 100
LOUVAIN_MAX_EDGES = 20_000    # beyond this, spectral clustering finds the communities (networkx's
                              # Louvain and FLPA took 156 s and 55 s at 20k / 100k nodes here)
SPECTRAL_MAX_K = 10           # spectral clustering tries 2 … this many communities
KMEANS_SAMPLE = 20_000        # k-means is fitted on this many rows, then assigns every node
BINARY_PROBE = 8192
PARSE_REPORT_BYTES = 1_000_000   # files above this size report parsing progress
HEADER_WORDS = {"source", "target", "from", "to", "src", "dst", "node1", "node2", "u", "v", "id1",
                "id2", "head", "tail", "node", "neighbor", "neighbour"}
NAME_LIKE = {"id", "label", "name", "_pos", "pos", "viz"}


@dataclass
class GraphData:
    names: np.ndarray                    # (N,) str: the node ids, row order
    edge_index: np.ndarray               # (2, E) int64, both directions, no self-loops
    labels: np.ndarray                   # (N,) int64, −1 where unknown
    class_names: list[str]
    classes_from: str                    # "attribute" | "communities"
    class_attr: str | None               # the attribute used (None for communities)
    attributes: dict[str, np.ndarray]    # numeric node attributes present on every node, (N,) float64
    source: str                          # "karate", ..., or "file"
    file_format: str | None = None
    facts: dict = field(default_factory=dict)   # directed_input, self_loops_removed, ...

    @property
    def num_nodes(self) -> int:
        return len(self.names)

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])

    def degree(self) -> np.ndarray:
        return np.bincount(self.edge_index[1], minlength=self.num_nodes).astype(np.int64)

    def row_of(self, name: str, option: str = "node") -> int:
        index = self._index()
        if name not in index:
            sample = ", ".join(self.names[:5].tolist())
            raise ConfigError(option, f"the graph has no node {name!r} (its ids are like {sample})")
        return index[name]

    def _index(self) -> dict[str, int]:
        if not hasattr(self, "_row_index"):
            self._row_index = {n: i for i, n in enumerate(self.names.tolist())}
        return self._row_index

    def to_networkx(self) -> nx.Graph:
        G = nx.Graph()
        G.add_nodes_from(range(self.num_nodes))
        ei = self.edge_index
        keep = ei[0] < ei[1]
        G.add_edges_from(zip(ei[0, keep].tolist(), ei[1, keep].tolist()))
        return G


# ---- the entry point ----------------------------------------------------------------------------
def load_graph(options: dict, seed: int) -> GraphData:
    """The graph the options name, with classes; ConfigError if it cannot be used."""
    name = options["graph"]
    if name == "karate":
        G = nx.karate_club_graph()
        for i in G.nodes:
            G.nodes[i]["community"] = KARATE_COMMUNITIES[i]
        return from_networkx(G, options, seed, "karate")
    if name == "lesmis":
        return from_networkx(nx.les_miserables_graph(), options, seed, "lesmis")
    if name == "florentine":
        return from_networkx(nx.florentine_families_graph(), options, seed, "florentine")
    if name == "davis":
        return from_networkx(nx.davis_southern_women_graph(), options, seed, "davis")
    if name in GENERATED:
        return generate(name, options, seed)
    return read_graph_file(name, options, seed)


# ---- generated graphs ---------------------------------------------------------------------------
def generate(kind: str, options: dict, seed: int) -> GraphData:
    n = options["nodes"]
    if kind == "sbm":
        src, dst, group = sbm_edges(n, options["blocks"], options["degree"], options["mixing"], seed)
        names = np.arange(n).astype(str)
        return from_arrays(names, src, dst, options, seed, "sbm", node_attrs={"group": group})
    if kind == "grid":
        side = max(2, round(math.sqrt(n)))
        G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side), ordering="sorted")
    elif kind == "tree":
        G = nx.random_labeled_tree(n, seed=seed)
    elif kind == "ba":
        m = max(1, min(n - 1, round(options["degree"] / 2)))
        G = nx.barabasi_albert_graph(n, m, seed=seed)
    else:  # pragma: no cover - the options restrict kind
        raise ConfigError("graph", f"unknown generated graph {kind!r}")
    return from_networkx(G, options, seed, kind)


def sbm_edges(n: int, blocks: int, degree: float, mixing: float, seed: int):
    """A stochastic block model drawn in O(E) with numpy: blocks of (nearly) equal size, each
    node with expected degree `degree`, a fraction `mixing` of it to other blocks. Returns
    (src, dst, group) with each undirected edge once (duplicates and self-pairs dropped)."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(blocks), np.diff(np.linspace(0, n, blocks + 1).round().astype(np.int64)))
    starts = np.searchsorted(group, np.arange(blocks))
    sizes = np.bincount(group, minlength=blocks)
    m_in = int(round(n * degree * (1.0 - mixing) / 2.0))
    m_out = int(round(n * degree * mixing / 2.0))
    # within blocks: a block gets edges in proportion to its number of pairs
    pairs_in = sizes * (sizes - 1) / 2.0
    k_in = rng.multinomial(m_in, pairs_in / pairs_in.sum()) if m_in else np.zeros(blocks, np.int64)
    b = np.repeat(np.arange(blocks), k_in)
    u = starts[b] + (rng.random(len(b)) * sizes[b]).astype(np.int64)
    v = starts[b] + (rng.random(len(b)) * sizes[b]).astype(np.int64)
    # between blocks: uniform over pairs of nodes in different blocks
    cu = rng.integers(0, n, size=2 * m_out + 16)
    cv = rng.integers(0, n, size=2 * m_out + 16)
    cross = group[cu] != group[cv]
    cu, cv = cu[cross][:m_out], cv[cross][:m_out]
    src, dst = np.concatenate([u, cu]), np.concatenate([v, cv])
    ok = src != dst
    src, dst = np.minimum(src[ok], dst[ok]), np.maximum(src[ok], dst[ok])
    key = np.unique(src * n + dst)
    return key // n, key % n, group


# ---- the user's files ---------------------------------------------------------------------------
def read_graph_file(path_text: str, options: dict, seed: int, option: str = "graph") -> GraphData:
    path = Path(os.path.expanduser(path_text.strip()))
    fmt = GRAPH_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(option, f"'{path.name}': unknown graph format '{path.suffix}'; use one of "
                                  + ", ".join(sorted(set(GRAPH_SUFFIXES))))
    if not path.is_file():
        raise ConfigError(option, f"the graph file '{path}' does not exist")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(option, f"cannot read '{path}': {exc.strerror or exc}") from None
    if b"\x00" in raw[:BINARY_PROBE]:
        raise ConfigError(option, f"'{path.name}' is a binary file, not a {fmt} graph file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(option, f"'{path.name}', line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
    if not text.strip():
        raise ConfigError(option, f"'{path.name}' is empty: it holds no nodes and no edges")
    where = path.name
    PROGRESS.report("parse", 0, text.count("\n") + 1 if len(raw) > PARSE_REPORT_BYTES else 0)
    if fmt in ("edgelist", "adjlist"):
        names, src, dst = (parse_edge_list if fmt == "edgelist" else parse_adjacency_list)(text, where, option)
        data = from_arrays(names, src, dst, options, seed, "file")
    else:
        G = {"gml": _read_gml, "graphml": _read_graphml, "gexf": _read_gexf, "pajek": _read_pajek,
             "json": _read_node_link}[fmt](text, path, where, option)
        data = from_networkx(G, options, seed, "file", where=where)
    data.file_format = fmt
    return data


def _err(option: str, where: str, message: str) -> ConfigError:
    return ConfigError(option, f"'{where}': {message}")


def _read_gml(text: str, path: Path, where: str, option: str) -> nx.Graph:
    try:
        try:
            return nx.parse_gml(text, label="label")     # GML's label is the node's name
        except nx.NetworkXError as exc:
            if "no 'label' attribute" not in str(exc):
                raise
            return nx.parse_gml(text, label="id")        # no labels: the ids are the names
    except nx.NetworkXError as exc:
        message = str(exc)
        if "duplicated" in message:
            raise _err(option, where, f"contradicts itself: {message}") from None
        raise _err(option, where, f"not valid GML: {message}") from None
    except (ValueError, KeyError, TypeError, SyntaxError) as exc:
        raise _err(option, where, f"not valid GML: {exc}") from None


def _check_xml_ids(root: ET.Element, where: str, option: str, kind: str) -> None:
    """Duplicated node ids, and edges to nodes that are not declared, contradict the file."""
    ids: set[str] = set()
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "node" and "id" in el.attrib:
            node = el.attrib["id"]
            if node in ids:
                raise _err(option, where, f"contradicts itself: node id {node!r} is declared twice")
            ids.add(node)
    count = 0
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "edge":
            count += 1
            for end in ("source", "target"):
                node = el.attrib.get(end)
                if node is None:
                    raise _err(option, where, f"{kind} edge {count} has no {end}")
                if node not in ids:
                    raise _err(option, where, f"contradicts itself: edge {count} refers to node {node!r}, "
                                              "which is not declared")


def _parse_xml(text: str, where: str, option: str, kind: str) -> ET.Element:
    try:
        return ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        line, column = exc.position
        raise _err(option, where, f"line {line}, column {column + 1}: not valid {kind} (XML): "
                                  f"{str(exc).split(':')[0]}") from None


def _read_xml_graph(text: str, where: str, option: str, kind: str, root_name: str, parse, errors) -> nx.Graph:
    """A GraphML or GEXF file: well-formed XML with the right root element and sound ids, then
    networkx's reader; each failure says which it was."""
    root = _parse_xml(text, where, option, kind)
    tag = root.tag.rsplit("}", 1)[-1]
    if tag != root_name:
        raise _err(option, where, f"not a {kind} file: its root element is <{tag}>")
    _check_xml_ids(root, where, option, kind)
    try:
        return parse(text)
    except errors as exc:
        raise _err(option, where, f"not valid {kind}: {exc}") from None


def _read_graphml(text: str, path: Path, where: str, option: str) -> nx.Graph:
    return _read_xml_graph(text, where, option, "GraphML", "graphml", nx.parse_graphml,
                           (nx.NetworkXError, ValueError, KeyError, TypeError))


def _read_gexf(text: str, path: Path, where: str, option: str) -> nx.Graph:
    return _read_xml_graph(text, where, option, "GEXF", "gexf",
                           lambda t: nx.read_gexf(io.BytesIO(t.encode("utf-8")), node_type=None, relabel=False),
                           (nx.NetworkXError, ValueError, KeyError, TypeError, AttributeError))


def _read_pajek(text: str, path: Path, where: str, option: str) -> nx.Graph:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("%")), None)
    if first is None or not lines[first].strip().lower().startswith("*vertices"):
        raise _err(option, where, f"line {1 if first is None else first + 1}: a Pajek file starts with "
                                  "'*Vertices n'")
    try:
        declared = int(lines[first].split()[1])
    except (IndexError, ValueError):
        raise _err(option, where, f"line {first + 1}: '*Vertices' needs the number of vertices") from None
    listed = 0
    for i in range(first + 1, len(lines)):
        line = lines[i].strip()
        if line.startswith("*"):
            break
        if line and not line.startswith("%"):
            listed += 1
            number = line.split()[0]
            if not number.isdigit() or int(number) < 1:
                raise _err(option, where, f"line {i + 1}: {number!r} is not a vertex number (1, 2, ...)")
            if int(number) > declared:
                raise _err(option, where, f"contradicts itself: line {i + 1} lists vertex {number}, but "
                                          f"'*Vertices {declared}' declares {declared}")
    if listed > declared:
        raise _err(option, where, f"contradicts itself: '*Vertices {declared}' but {listed} vertices are listed")
    try:
        G = nx.parse_pajek(lines)
    except (nx.NetworkXError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise _err(option, where, f"not valid Pajek: {exc}") from None
    return G


def _read_node_link(text: str, path: Path, where: str, option: str) -> nx.Graph:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _err(option, where, f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise _err(option, where, "not a node-link graph: it needs a \"nodes\" list (and \"links\" or \"edges\")")
    key = "links" if "links" in data else "edges"
    links = data.get(key, [])
    if not isinstance(links, list):
        raise _err(option, where, f"\"{key}\" must be a list")
    ids: set = set()
    for i, node in enumerate(data["nodes"]):
        if not isinstance(node, dict) or "id" not in node:
            raise _err(option, where, f"node {i + 1} has no \"id\"")
        node_id = node["id"]
        if isinstance(node_id, (list, dict)):
            raise _err(option, where, f"node {i + 1}: an id must be a number or text, not {type(node_id).__name__}")
        if node_id in ids:
            raise _err(option, where, f"contradicts itself: node id {node_id!r} appears twice")
        ids.add(node_id)
    for i, link in enumerate(links):
        if not isinstance(link, dict) or "source" not in link or "target" not in link:
            raise _err(option, where, f"{key[:-1]} {i + 1} needs a \"source\" and a \"target\"")
        for end in ("source", "target"):
            if isinstance(link[end], (list, dict)) or link[end] not in ids:
                raise _err(option, where, f"contradicts itself: {key[:-1]} {i + 1} refers to node "
                                          f"{link[end]!r}, which is not among the nodes")
    try:
        return nx.node_link_graph(data, directed=bool(data.get("directed", False)),
                                  multigraph=bool(data.get("multigraph", False)), edges=key)
    except (nx.NetworkXError, ValueError, KeyError, TypeError) as exc:
        raise _err(option, where, f"not a valid node-link graph: {exc}") from None


def _data_lines(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%")):
            yield number, stripped


def parse_edge_list(text: str, where: str = "the edge list", option: str = "graph"):
    """Pairs of node ids, one edge per line: whitespace (networkx's write_edgelist, with or
    without its data column), commas (CSV, quotes allowed), tabs or semicolons. A first row
    of column names (source,target...) is skipped; '#' and '%' start comments; columns after
    the two ids (weights, networkx's data dicts) are ignored."""
    lines = list(_data_lines(text))
    if not lines:
        raise _err(option, where, "holds no edges (only comments or blank lines)")
    sample = lines[0][1]
    delimiter = next((d for d in (",", "\t", ";") if d in sample), None)
    index: dict[str, int] = {}
    src: list[int] = []
    dst: list[int] = []
    if delimiter is None:
        rows = ((number, line.split(None, 2)) for number, line in lines)
    else:
        reader = csv.reader((line for _, line in lines), delimiter=delimiter)
        rows = zip((number for number, _ in lines), reader)
    first = True
    for number, cells in rows:
        if len(cells) < 2 or not cells[0].strip() or not cells[1].strip():
            raise _err(option, where, f"line {number}: expected two node ids (an edge), found "
                                      f"{' '.join(c for c in cells if c.strip())[:60]!r}")
        u, v = cells[0].strip(), cells[1].strip()
        if first:
            first = False
            if u.lower() in HEADER_WORDS and v.lower() in HEADER_WORDS:
                continue
        src.append(index.setdefault(u, len(index)))
        dst.append(index.setdefault(v, len(index)))
        if not len(src) % 50_000:
            if len(src) > MAX_EDGES:
                raise _err(option, where, f"has more than {MAX_EDGES} edges")
            PROGRESS.report("parse", number, lines[-1][0])
    if not src:
        raise _err(option, where, "holds no edges (only a header row)")
    if len(src) > MAX_EDGES:
        raise _err(option, where, f"has more than {MAX_EDGES} edges")
    return np.array(list(index), dtype=str), np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def parse_adjacency_list(text: str, where: str = "the adjacency list", option: str = "graph"):
    """networkx's adjacency list: each line a node followed by its neighbours (whitespace)."""
    index: dict[str, int] = {}
    src: list[int] = []
    dst: list[int] = []
    for number, line in _data_lines(text):
        cells = line.split()
        u = index.setdefault(cells[0], len(index))
        for cell in cells[1:]:
            src.append(u)
            dst.append(index.setdefault(cell, len(index)))
    if not index:
        raise _err(option, where, "holds no nodes (only comments or blank lines)")
    return np.array(list(index), dtype=str), np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


# ---- to GraphData -------------------------------------------------------------------------------
def from_networkx(G: nx.Graph, options: dict, seed: int, source: str, where: str | None = None) -> GraphData:
    option = "graph"
    label = where or source
    nodes = list(G.nodes)
    names = [str(n) for n in nodes]
    if len(set(names)) != len(names):
        seen: set[str] = set()
        dup = next(n for n in names if n in seen or seen.add(n))
        raise ConfigError(option, f"'{label}' contradicts itself: two different nodes are both called {dup!r}")
    row = {n: i for i, n in enumerate(nodes)}
    edges = list(G.edges())
    src = np.fromiter((row[u] for u, _ in edges), dtype=np.int64, count=len(edges))
    dst = np.fromiter((row[v] for _, v in edges), dtype=np.int64, count=len(edges))
    attrs = {n_: G.nodes[n] for n_, n in enumerate(nodes)}
    node_attrs: dict[str, list] = {}
    for i in range(len(nodes)):
        for key, value in attrs[i].items():
            node_attrs.setdefault(key, [None] * len(nodes))[i] = value
    return from_arrays(np.array(names, dtype=str), src, dst, options, seed, source, node_attrs=node_attrs,
                       where=label, directed=G.is_directed())


def from_arrays(names: np.ndarray, src: np.ndarray, dst: np.ndarray, options: dict, seed: int, source: str,
                node_attrs: dict | None = None, where: str | None = None, directed: bool = False) -> GraphData:
    option = "graph"
    label = where or source
    n = len(names)
    if n == 0:
        raise ConfigError(option, f"'{label}' is empty: it holds no nodes")
    if n > MAX_NODES:
        raise ConfigError(option, f"'{label}' has {n} nodes; at most {MAX_NODES} are supported")
    loops = src == dst
    src, dst = src[~loops], dst[~loops]
    key = np.sort(np.concatenate([src * n + dst, dst * n + src]))    # sort + diff: np.unique hashes,
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key  # 5× slower here at 1M edges
    edge_index = np.stack([key // n, key % n]).astype(np.int64)
    if edge_index.shape[1] == 0:
        raise ConfigError(option, f"'{label}' has {n} node(s) but no edges between different nodes: "
                                  "message passing needs edges")
    facts = {"directed_input": bool(directed), "self_loops_removed": int(loops.sum()),
             "duplicate_edges_merged": int(len(src) - edge_index.shape[1] // 2),
             "isolated_nodes": int((np.bincount(edge_index[1], minlength=n) == 0).sum())}
    node_attrs = node_attrs or {}
    labels, class_names, classes_from, class_attr = classes(names, edge_index, node_attrs, options, seed, label)
    exclude = {class_attr} if class_attr else set()
    if source == "karate":
        exclude |= {"club", "community"}   # both are classes: as features they would give the answer away
    numeric = numeric_attributes(node_attrs, exclude=exclude)
    facts["numeric_attributes"] = sorted(numeric)
    if classes_from == "communities":
        facts["communities_method"] = ("louvain" if edge_index.shape[1] // 2 <= LOUVAIN_MAX_EDGES
                                       else "spectral")
        facts["communities_unassigned"] = int((labels < 0).sum())
    return GraphData(names=np.asarray(names, dtype=str), edge_index=edge_index, labels=labels,
                     class_names=class_names, classes_from=classes_from, class_attr=class_attr,
                     attributes=numeric, source=source, facts=facts)


def classes(names, edge_index, node_attrs: dict, options: dict, seed: int, label: str):
    """(labels (N,), class names, "attribute" | "communities", the attribute used or None)."""
    n = len(names)
    wanted = options.get("class_attr", "").strip()
    if wanted:
        if wanted not in node_attrs or all(v is None for v in node_attrs[wanted]):
            known = ", ".join(sorted(k for k in node_attrs if k not in NAME_LIKE)) or "none"
            raise ConfigError("class_attr", f"no node of '{label}' has the attribute {wanted!r} "
                                            f"(node attributes there: {known})")
        attr = wanted
    else:
        attr = next((a for a in AUTO_CLASS_ATTRS if a in node_attrs
                     and any(v is not None for v in node_attrs[a])), None)
    if attr is None:
        labels = communities(n, edge_index, seed)
        return labels, [str(i) for i in range(int(labels.max()) + 1)], "communities", None
    values = node_attrs[attr]
    for i, v in enumerate(values):
        if isinstance(v, (list, dict, tuple, set)):
            raise ConfigError("class_attr", f"'{label}', node {names[i]!r}: attribute {attr!r} holds a "
                                            f"{type(v).__name__}, not a class")
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError("class_attr", f"'{label}', node {names[i]!r}: attribute {attr!r} is {v}")
    present = [v for v in values if v is not None]
    distinct = set(present)
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                  for v in distinct)
    ordered = sorted(distinct) if numeric else sorted(distinct, key=str)
    if len(ordered) < 2:
        raise ConfigError("class_attr", f"attribute {attr!r} of '{label}' has one value only "
                                        f"({ordered[0]!r}); classification needs two classes or more")
    if len(ordered) > MAX_CLASSES or (len(ordered) > n // 2 and n > 10):
        raise ConfigError("class_attr", f"attribute {attr!r} of '{label}' has {len(ordered)} different values "
                                        f"among {len(present)} nodes: it looks like a name or a measurement, "
                                        f"not a class (at most {MAX_CLASSES} classes)")
    code = {v: i for i, v in enumerate(ordered)}
    labels = np.array([-1 if v is None else code[v] for v in values], dtype=np.int64)
    return labels, [str(v) for v in ordered], "attribute", attr


def communities(n: int, edge_index: np.ndarray, seed: int) -> np.ndarray:
    """Communities, largest first (label 0): networkx's Louvain (seeded) up to LOUVAIN_MAX_EDGES
    edges, spectral clustering above (see spectral_communities). −1 where a node has none."""
    keep = edge_index[0] < edge_index[1]
    if keep.sum() > LOUVAIN_MAX_EDGES:
        return spectral_communities(n, edge_index, seed)
    PROGRESS.report("communities", 0, 0, nodes=n)
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(edge_index[0, keep].tolist(), edge_index[1, keep].tolist()))
    found = nx.community.louvain_communities(G, seed=seed)
    return _numbered([np.asarray(sorted(c), dtype=np.int64) for c in found], n)


def _numbered(found: list[np.ndarray], n: int) -> np.ndarray:
    """(n,) labels from lists of member rows: 0 the largest community (ties: lowest first row)."""
    found = sorted(found, key=lambda c: (-len(c), int(c.min())))
    labels = np.full(n, -1, dtype=np.int64)
    for k, members in enumerate(found):
        labels[members] = k
    return labels


def modularity(edge_index: np.ndarray, labels: np.ndarray) -> float:
    """Newman's modularity of a labelling (edge_index with both directions; −1 = no community)."""
    n = len(labels)
    m2 = edge_index.shape[1]
    if m2 == 0:
        return 0.0
    a, b = labels[edge_index[0]], labels[edge_index[1]]
    inside = float(((a == b) & (a >= 0)).sum()) / m2
    degree = np.bincount(edge_index[0], minlength=n)
    ok = labels >= 0
    share = np.bincount(labels[ok], weights=degree[ok]) / m2
    return inside - float((share ** 2).sum())


def spectral_communities(n: int, edge_index: np.ndarray, seed: int, max_k: int = SPECTRAL_MAX_K) -> np.ndarray:
    """Seeded spectral clustering of the largest connected component: the leading eigenvectors
    of the degree-regularised normalised adjacency (D + τI)^−½ A (D + τI)^−½, τ the mean degree
    (regularisation keeps the eigenvectors off dangling trees; Qin & Rohe 2013), rows
    normalised, k-means (k-means++ seeded, fitted on ≤ KMEANS_SAMPLE rows) for each
    k = 2 … max_k, and the k of highest modularity. Other components with at least 1 % of the nodes are a community each; the rest of the nodes
    (tiny components, isolated nodes) get −1 (no community: neither trained nor tested).
    Deterministic for a seed: the Lanczos start vector and k-means draw from it. Measured
    here on the bench's 100 000-node, 500 000-edge block model: ~3 s, all 5 blocks found."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):   # one BLAS thread: the window keeps the other core
        return _spectral(n, edge_index, seed, max_k)


def _spectral(n: int, edge_index: np.ndarray, seed: int, max_k: int) -> np.ndarray:
    from scipy.sparse import csr_matrix, diags
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    report = PROGRESS.report
    A = csr_matrix((np.ones(edge_index.shape[1]), (edge_index[0], edge_index[1])), shape=(n, n))
    _, comp = connected_components(A, directed=False)
    sizes = np.bincount(comp)
    order = np.argsort(-sizes, kind="stable")
    main = np.flatnonzero(comp == order[0])
    found: list[np.ndarray] = []
    big_enough = max(3, n // 100)
    for c in order[1:]:
        if sizes[c] < big_enough or len(found) >= max_k:
            break
        found.append(np.flatnonzero(comp == c))
    m = len(main)
    if m <= 4 * max_k:
        found.append(main)
        return _numbered(found, n)
    sub = A if m == n else A[main][:, main].tocsr()
    degree = np.asarray(sub.sum(axis=1)).ravel()
    tau = float(degree.mean())
    scale = diags(1.0 / np.sqrt(degree + tau))
    M = (scale @ sub @ scale).tocsr()
    rng = np.random.default_rng(seed)
    k = min(max_k, m - 2)
    report("communities", 0, k - 1, nodes=n)
    try:
        values, vectors = eigsh(M, k=k, which="LA", v0=rng.standard_normal(m), tol=0.1, maxiter=50 * m)
    except ArpackNoConvergence as exc:      # what converged is enough to cluster on
        values, vectors = exc.eigenvalues, exc.eigenvectors
    vectors = vectors[:, np.argsort(-values, kind="stable")]
    sub_ei = np.stack(sub.nonzero()).astype(np.int64)
    best: tuple[float, np.ndarray] | None = None
    rows = np.sort(rng.choice(m, KMEANS_SAMPLE, replace=False)) if m > KMEANS_SAMPLE else slice(None)
    for kk in range(2, vectors.shape[1] + 1):
        X = vectors[:, :kk] / np.linalg.norm(vectors[:, :kk], axis=1, keepdims=True).clip(1e-12)
        labels = nearest(X, kmeans(X[rows], kk, np.random.default_rng(seed)))
        q = modularity(sub_ei, labels)
        if best is None or q > best[0] + 1e-9:
            best = (q, labels)
        report("communities", kk - 1, vectors.shape[1] - 1)
    labels = best[1] if best is not None else np.zeros(m, dtype=np.int64)
    found += [main[labels == c] for c in np.unique(labels)]
    return _numbered(found, n)


def nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(n,) the row of the nearest centre for each row of X."""
    d = (centres ** 2).sum(axis=1)[None, :] - 2.0 * (X @ centres.T)
    return d.argmin(axis=1).astype(np.int64)


def kmeans(X: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 100) -> np.ndarray:
    """(k, d) centres: Lloyd's k-means from a k-means++ start drawn with rng (numpy only:
    importing scikit-learn's KMeans alone took 2-7 s here)."""
    centres = [X[rng.integers(len(X))]]
    d2 = ((X - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = float(d2.sum())
        pick = rng.choice(len(X), p=d2 / total) if total > 0 else rng.integers(len(X))
        centres.append(X[pick])
        d2 = np.minimum(d2, ((X - X[pick]) ** 2).sum(axis=1))
    C = np.array(centres)
    for _ in range(iterations):
        labels = nearest(X, C)
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=X[:, j], minlength=k) for j in range(X.shape[1])], axis=1)
        new = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], C)
        if np.allclose(new, C, atol=1e-7):
            break
        C = new
    return C


def numeric_attributes(node_attrs: dict, exclude: set) -> dict[str, np.ndarray]:
    """Attributes that are a finite number (or a bool) on every node: candidate features."""
    out = {}
    for key, values in node_attrs.items():
        if key in exclude or key in NAME_LIKE:
            continue
        if all(isinstance(v, (int, float, bool, np.integer, np.floating)) for v in values):
            column = np.array([float(v) for v in values], dtype=np.float64)
            if np.isfinite(column).all():
                out[key] = column
    return out
