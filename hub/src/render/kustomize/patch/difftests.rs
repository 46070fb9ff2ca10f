//! Differential tests against `kubectl kustomize` (kustomize v5.5): each
//! case writes a kustomization (resources + `patches:` with `sortOptions:
//! fifo`, so document order is the input order) to a temp dir, builds it
//! with kubectl and compares the parsed documents, in order, with [`apply`].
//! Skipped, with a printed reason, when kubectl is not on PATH.

use super::*;
use std::process::Command;

struct Case {
    name: &'static str,
    resources: &'static str,
    /// (patch text, target as flow YAML or "", options as flow YAML or "").
    /// Options `legacy` put the entry under `patchesStrategicMerge` (no
    /// target) or `patchesJson6902` (with a target) instead of `patches`.
    patches: &'static [(&'static str, &'static str, &'static str)],
}

const DEP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
  annotations: {team: a}
spec:
  replicas: 1
  template:
    metadata:
      labels: {app: web}
    spec:
      imagePullSecrets: [{name: s1}]
      tolerations: [{key: k1, operator: Exists}]
      initContainers:
      - {name: init, image: busybox}
      containers:
      - name: a
        image: a:1
        args: [x, y]
        env:
        - {name: X, value: '1'}
        - {name: Y, value: '2'}
        ports:
        - containerPort: 80
        - {containerPort: 443, protocol: TCP}
        volumeMounts:
        - {name: v1, mountPath: /etc/a}
        - {name: v2, mountPath: /etc/b}
      - name: b
        image: b:1
      volumes:
      - name: v1
        configMap: {name: c}
      - name: v2
        emptyDir: {}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
  labels: {app: api, tier: back}
  annotations: {team: b}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - {name: a, image: api:1}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - {port: 80, targetPort: 8080, name: http}
  - {port: 443, targetPort: 8443, name: https}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  finalizers: [a, b]
data: {k1: v1, k2: v2}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - {name: a, size: 1}
  - {name: b, size: 2}
  nested: {x: 1, y: 2}
";

const DEP2: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
  template:
    spec:
      topologySpreadConstraints:
      - {topologyKey: zone, whenUnsatisfiable: DoNotSchedule, maxSkew: 1}
      containers:
      - name: db
        image: pg
        env:
        - name: PW
          valueFrom:
            secretKeyRef: {name: s, key: pw}
        resources:
          limits: {memory: 1Gi}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
- {apiGroups: [''], resources: [configmaps], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rb
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects:
- {kind: ServiceAccount, name: sa}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ing
spec:
  rules:
  - host: a.example.com
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: hook
webhooks:
- name: a.example.com
  sideEffects: None
- name: b.example.com
  sideEffects: None
";

const DEP3: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: odd
  creationTimestamp: null
spec:
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
    spec:
      initContainers:
      - image: unnamed
      - {name: i1, image: i}
      containers:
      - name: first
        image: f
        resources: {}
      - {}
      - name: second
        image: s
        env:
        - {name: D, value: one}
        - {name: D, value: two}
status: {}
";

macro_rules! smp {
    ($body:expr) => {
        concat!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", $body)
    };
}
macro_rules! pod {
    ($body:expr) => {
        concat!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n", $body)
    };
}

const CASES: &[Case] = &[
    Case { name: "scalar override", resources: DEP, patches: &[(smp!("spec:\n  replicas: 3\n"), "", "")] },
    Case { name: "null deletes a label", resources: DEP, patches: &[(smp!("  labels:\n    tier: null\n"), "", "")] },
    Case {
        name: "containers merge by name",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - name: b\n        image: b:2\n"), "", "")],
    },
    Case {
        name: "add a container",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - name: c\n        image: c:1\n"), "", "")],
    },
    Case {
        name: "env merge by name",
        resources: DEP,
        patches: &[(
            pod!(
                "      containers:\n      - name: a\n        env:\n        - {name: Y, value: '9'}\n        - {name: Z, value: '3'}\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "env element delete",
        resources: DEP,
        patches: &[(
            pod!("      containers:\n      - name: a\n        env:\n        - {name: X, $patch: delete}\n"),
            "",
            "",
        )],
    },
    Case {
        name: "container delete",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - {name: a, $patch: delete}\n"), "", "")],
    },
    Case {
        name: "containers replace directive",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - {name: z, image: z:1}\n      - $patch: replace\n"), "", "")],
    },
    Case {
        name: "map replace directive",
        resources: DEP,
        patches: &[(smp!("  labels:\n    $patch: replace\n    only: me\n"), "", "")],
    },
    Case {
        name: "map delete directive",
        resources: DEP,
        patches: &[(smp!("  annotations:\n    $patch: delete\n"), "", "")],
    },
    Case { name: "resource delete", resources: DEP, patches: &[(smp!("$patch: delete\n"), "", "")] },
    Case {
        name: "volumeMounts by mountPath",
        resources: DEP,
        patches: &[(
            pod!(
                "      containers:\n      - name: a\n        volumeMounts:\n        - {name: v9, mountPath: /etc/b}\n        - {name: v3, mountPath: /etc/c}\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "volumes by name",
        resources: DEP,
        patches: &[(
            pod!(
                "      volumes:\n      - name: v1\n        configMap: null\n        secret: {secretName: s}\n      - name: v3\n        emptyDir: {}\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "ports by containerPort",
        resources: DEP,
        patches: &[(
            pod!(
                "      containers:\n      - name: a\n        ports:\n        - {containerPort: 80, name: http}\n        - {containerPort: 8080}\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "ports with protocol",
        resources: DEP,
        patches: &[(
            pod!(
                "      containers:\n      - name: a\n        ports:\n        - {containerPort: 443, protocol: TCP, name: https}\n        - {containerPort: 53, protocol: UDP}\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "service ports by port",
        resources: DEP,
        patches: &[(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - {port: 443, targetPort: 9443}\n  - {port: 8080, name: alt}\n",
            "",
            "",
        )],
    },
    Case {
        name: "imagePullSecrets by name",
        resources: DEP,
        patches: &[(pod!("      imagePullSecrets:\n      - name: s2\n"), "", "")],
    },
    Case {
        name: "tolerations replaced",
        resources: DEP,
        patches: &[(pod!("      tolerations:\n      - {key: k2, operator: Exists}\n"), "", "")],
    },
    Case {
        name: "args replaced",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - name: a\n        args: [z]\n"), "", "")],
    },
    Case {
        name: "finalizers union",
        resources: DEP,
        patches: &[("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  finalizers: [c, a]\n", "", "")],
    },
    Case {
        name: "crd list replaced, map merged",
        resources: DEP,
        patches: &[(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  items:\n  - {name: a, size: 5}\n  nested: {y: 3}\n",
            "",
            "",
        )],
    },
    Case {
        name: "initContainers merge",
        resources: DEP,
        patches: &[(
            pod!("      initContainers:\n      - {name: init, image: busybox:2}\n      - {name: init2, image: x}\n"),
            "",
            "",
        )],
    },
    Case {
        name: "targeted kind regex",
        resources: DEP,
        patches: &[("kind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 7\n", "{kind: Deploy.*}", "")],
    },
    Case {
        name: "targeted label selector",
        resources: DEP,
        patches: &[(
            "kind: Deployment\nmetadata:\n  name: any\n  labels: {hit: 'yes'}\n",
            "{labelSelector: 'tier in (back), app!=web'}",
            "",
        )],
    },
    Case {
        name: "targeted annotation selector",
        resources: DEP,
        patches: &[(
            "kind: x\nmetadata:\n  name: any\n  labels: {hit: 'yes'}\n",
            "{annotationSelector: 'team notin (b)'}",
            "",
        )],
    },
    Case {
        name: "targeted name regex and namespace",
        resources: DEP,
        patches: &[(
            "kind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 9\n",
            "{name: 'a.i', namespace: prod}",
            "",
        )],
    },
    Case {
        name: "targeted default namespace",
        resources: DEP,
        patches: &[("kind: any\nmetadata:\n  name: any\n  labels: {ns: default}\n", "{namespace: default}", "")],
    },
    Case {
        name: "targeted group and version",
        resources: DEP,
        patches: &[(
            "kind: any\nmetadata:\n  name: any\n  labels: {g: hit}\n",
            "{group: example.com, version: v1}",
            "",
        )],
    },
    Case {
        name: "json6902 add replace remove",
        resources: DEP,
        patches: &[(
            "- {op: replace, path: /spec/replicas, value: 5}\n- {op: remove, path: /metadata/labels/tier}\n- {op: add, path: /spec/template/spec/containers/0/args/-, value: z}\n- {op: add, path: /spec/template/spec/containers/1, value: {name: mid, image: m}}\n",
            "{kind: Deployment, name: web}",
            "",
        )],
    },
    Case {
        name: "json6902 move copy test",
        resources: DEP,
        patches: &[(
            "[{\"op\": \"test\", \"path\": \"/spec/replicas\", \"value\": 1}, {\"op\": \"copy\", \"from\": \"/metadata/labels/app\", \"path\": \"/metadata/labels/copy\"}, {\"op\": \"move\", \"from\": \"/metadata/annotations/team\", \"path\": \"/metadata/annotations/owner\"}]",
            "{kind: Deployment, name: web}",
            "",
        )],
    },
    Case {
        name: "json6902 escaped pointer",
        resources: DEP,
        patches: &[("- {op: add, path: /metadata/annotations/example.com~1a~0b, value: v}\n", "{kind: ConfigMap}", "")],
    },
    Case {
        name: "json6902 on several targets",
        resources: DEP,
        patches: &[("- {op: add, path: /metadata/labels/all, value: 'true'}\n", "{kind: Deployment}", "")],
    },
    Case {
        name: "json6902 test failure",
        resources: DEP,
        patches: &[("- {op: test, path: /spec/replicas, value: 42}\n", "{kind: Deployment, name: web}", "")],
    },
    Case {
        name: "json6902 missing path",
        resources: DEP,
        patches: &[("- {op: replace, path: /spec/nothing/here, value: 1}\n", "{kind: Deployment, name: web}", "")],
    },
    Case { name: "smp no match", resources: DEP, patches: &[(smp!("  namespace: elsewhere\n"), "", "")] },
    Case {
        name: "two docs in one patch",
        resources: DEP,
        patches: &[(
            concat!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k1: new\n  k3: v3\n---\n",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: prod\nspec:\n  replicas: 4\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "setElementOrder and retainKeys pass through",
        resources: DEP,
        patches: &[(
            pod!(
                "      $setElementOrder/containers:\n      - name: b\n      - name: a\n      volumes:\n      - name: v1\n        $retainKeys: [name, secret]\n        secret: {secretName: s}\n"
            ),
            "",
            "",
        )],
    },
    Case {
        name: "allow name change",
        resources: DEP,
        patches: &[
            (smp!("  labels: {renamed: 'yes'}\n"), "", ""),
            ("kind: Deployment\nmetadata:\n  name: web2\n", "{name: web, kind: Deployment}", "{allowNameChange: true}"),
        ],
    },
    Case {
        name: "name kept without option",
        resources: DEP,
        patches: &[("kind: Deployment\nmetadata:\n  name: web2\n", "{name: web, kind: Deployment}", "")],
    },
    Case {
        name: "patch in namespace",
        resources: DEP,
        patches: &[(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: prod\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: api:2}\n",
            "",
            "",
        )],
    },
    Case {
        name: "new field with nested null",
        resources: DEP,
        patches: &[(smp!("spec:\n  strategy:\n    type: Recreate\n    rollingUpdate: null\n"), "", "")],
    },
    Case {
        name: "configmap data merge and delete",
        resources: DEP,
        patches: &[("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k1: null\n  k9: v9\n", "", "")],
    },
    Case {
        name: "sequential patches",
        resources: DEP,
        patches: &[
            (pod!("      containers:\n      - {name: b, image: b:2}\n"), "", ""),
            (
                "- {op: replace, path: /spec/template/spec/containers/0/image, value: first}\n",
                "{name: web, kind: Deployment}",
                "",
            ),
        ],
    },
    Case {
        name: "port without protocol against one with",
        resources: DEP,
        patches: &[(
            pod!("      containers:\n      - name: a\n        ports:\n        - {containerPort: 443, name: tls}\n"),
            "",
            "",
        )],
    },
    Case {
        name: "list merge directive element",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - {name: b, image: b:3}\n      - $patch: merge\n"), "", "")],
    },
    Case {
        name: "delete directive on absent map",
        resources: DEP,
        patches: &[(smp!("spec:\n  strategy:\n    $patch: delete\n"), "", "")],
    },
    Case {
        name: "new associative list with replace element",
        resources: DEP,
        patches: &[(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: prod\nspec:\n  template:\n    spec:\n      volumes:\n      - {name: n, emptyDir: {}}\n      - $patch: replace\n",
            "",
            "",
        )],
    },
    Case {
        name: "null removes a whole list",
        resources: DEP,
        patches: &[(pod!("      tolerations: null\n      initContainers: null\n"), "", "")],
    },
    Case {
        name: "empty patch list keeps associative list",
        resources: DEP,
        patches: &[(pod!("      containers: []\n      tolerations: []\n"), "", "")],
    },
    Case {
        name: "empty map value",
        resources: DEP,
        patches: &[(smp!("  annotations: {}\nspec:\n  selector: {}\n"), "", "")],
    },
    Case {
        name: "different apiVersion does not match",
        resources: DEP,
        patches: &[(
            "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
            "",
            "",
        )],
    },
    Case {
        name: "deleteFromPrimitiveList passes through",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - name: a\n        $deleteFromPrimitiveList/args: [x]\n"), "", "")],
    },
    Case {
        name: "allow kind change",
        resources: DEP,
        patches: &[(
            "kind: StatefulSet\nmetadata:\n  name: web\n",
            "{name: web, kind: Deployment}",
            "{allowKindChange: true}",
        )],
    },
    Case {
        name: "json6902 negative index and root-level add",
        resources: DEP,
        patches: &[(
            "- {op: remove, path: /spec/template/spec/containers/-1}\n- {op: add, path: /status, value: {ready: true}}\n",
            "{kind: Deployment, name: web}",
            "",
        )],
    },
    Case {
        name: "json6902 add into list index",
        resources: DEP,
        patches: &[(
            "- {op: add, path: /spec/template/spec/containers/0/env/0, value: {name: FIRST, value: f}}\n- {op: replace, path: /spec/template/spec/containers/0/env/2/value, value: last}\n",
            "{name: web}",
            "",
        )],
    },
    Case {
        name: "json6902 remove missing key",
        resources: DEP,
        patches: &[("- {op: remove, path: /spec/paused}\n", "{kind: Deployment, name: web}", "")],
    },
    Case {
        name: "json6902 without target",
        resources: DEP,
        patches: &[("- {op: remove, path: /spec/replicas}\n", "", "")],
    },
    Case {
        name: "targeted delete of several resources",
        resources: DEP,
        patches: &[("kind: any\nmetadata:\n  name: any\n$patch: delete\n", "{labelSelector: tier}", "")],
    },
    Case {
        name: "targeted no match is fine",
        resources: DEP,
        patches: &[("kind: any\nmetadata:\n  name: any\n  labels: {x: y}\n", "{kind: Nothing}", "")],
    },
    Case {
        name: "env valueFrom merge",
        resources: DEP2,
        patches: &[(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n      - name: db\n        env:\n        - name: PW\n          valueFrom:\n            secretKeyRef: {key: other}\n        resources:\n          limits: {cpu: '2'}\n",
            "",
            "",
        )],
    },
    Case {
        name: "topologySpreadConstraints two keys",
        resources: DEP2,
        patches: &[(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      topologySpreadConstraints:\n      - {topologyKey: zone, whenUnsatisfiable: DoNotSchedule, maxSkew: 3}\n      - {topologyKey: host, whenUnsatisfiable: ScheduleAnyway, maxSkew: 1}\n",
            "",
            "",
        )],
    },
    Case {
        name: "volumeClaimTemplates replaced",
        resources: DEP2,
        patches: &[(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {resources: {requests: {storage: 5Gi}}}\n",
            "",
            "",
        )],
    },
    Case {
        name: "cluster role rules replaced, cluster scope ignores namespace",
        resources: DEP2,
        patches: &[(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n  namespace: whatever\nrules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n",
            "",
            "",
        )],
    },
    Case {
        name: "role binding subjects",
        resources: DEP2,
        patches: &[(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: rb\nsubjects:\n- {kind: ServiceAccount, name: other}\n",
            "",
            "",
        )],
    },
    Case {
        name: "ingress rules replaced",
        resources: DEP2,
        patches: &[(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  rules:\n  - host: b.example.com\n",
            "",
            "",
        )],
    },
    Case {
        name: "webhooks by name",
        resources: DEP2,
        patches: &[(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: hook\nwebhooks:\n- name: b.example.com\n  failurePolicy: Ignore\n",
            "",
            "",
        )],
    },
    Case {
        name: "string container port matches number",
        resources: DEP,
        patches: &[(
            pod!("      containers:\n      - name: a\n        ports:\n        - {containerPort: '80', name: s}\n"),
            "",
            "",
        )],
    },
    Case {
        name: "list kind patch",
        resources: DEP,
        patches: &[(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cfg}\n  data: {k2: listed}\n",
            "",
            "",
        )],
    },
    Case {
        name: "annotation selector exists and not",
        resources: DEP,
        patches: &[(
            "kind: any\nmetadata:\n  name: any\n  labels: {sel: 'yes'}\n",
            "{annotationSelector: '!team'}",
            "",
        )],
    },
    Case {
        name: "null fields in the resource survive",
        resources: DEP3,
        patches: &[(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: odd\n  labels: {x: y}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: second, image: s:2}\n",
            "",
            "",
        )],
    },
    Case {
        name: "container without name in the resource",
        resources: DEP3,
        patches: &[(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: odd\nspec:\n  template:\n    spec:\n      initContainers:\n      - {name: i2, image: x}\n",
            "",
            "",
        )],
    },
    Case {
        name: "patch element without merge key",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - image: nameless\n      - {name: b, image: b:5}\n"), "", "")],
    },
    Case {
        name: "delete element from absent list",
        resources: DEP,
        patches: &[(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: prod\nspec:\n  template:\n    spec:\n      volumes:\n      - {name: gone, $patch: delete}\n",
            "",
            "",
        )],
    },
    Case {
        name: "map patch over scalar is an error",
        resources: DEP,
        patches: &[(smp!("spec:\n  replicas: {a: 1}\n"), "", "")],
    },
    Case {
        name: "null for an absent field",
        resources: DEP,
        patches: &[(smp!("spec:\n  paused: null\n  minReadySeconds: 5\n"), "", "")],
    },
    Case {
        name: "multiple docs with a target is an error",
        resources: DEP,
        patches: &[("kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: b}\n", "{kind: Deployment}", "")],
    },
    Case {
        name: "json op without value adds null",
        resources: DEP,
        patches: &[("- {op: add, path: /spec/x}\n", "{kind: Deployment}", "")],
    },
    Case {
        name: "patch without kind is an error",
        resources: DEP,
        patches: &[("metadata: {name: web}\nspec: {replicas: 2}\n", "", "")],
    },
    Case {
        name: "empty map elements are dropped from merged lists",
        resources: DEP3,
        patches: &[("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: odd\nspec:\n  replicas: 2\n", "", "")],
    },
    Case {
        name: "duplicate names in the resource",
        resources: DEP3,
        patches: &[(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: odd\nspec:\n  template:\n    spec:\n      containers:\n      - name: second\n        env:\n        - {name: D, value: patched}\n",
            "",
            "",
        )],
    },
    Case {
        name: "legacy patchesStrategicMerge",
        resources: DEP,
        patches: &[(pod!("      containers:\n      - {name: a, image: a:legacy}\n"), "", "legacy")],
    },
    Case {
        name: "legacy patchesStrategicMerge delete",
        resources: DEP,
        patches: &[("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n$patch: delete\n", "", "legacy")],
    },
    Case {
        name: "legacy patchesJson6902",
        resources: DEP,
        patches: &[(
            "- {op: replace, path: /spec/replicas, value: 6}\n",
            "{group: apps, version: v1, kind: Deployment, name: api, namespace: prod}",
            "legacy",
        )],
    },
    Case {
        name: "patch without namespace does not match a namespaced resource",
        resources: DEP,
        patches: &[("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n", "", "")],
    },
    Case {
        name: "patch namespace default matches no namespace",
        resources: DEP,
        patches: &[(smp!("  namespace: default\nspec:\n  replicas: 8\n"), "", "")],
    },
    Case {
        name: "probe and resources merge",
        resources: DEP2,
        patches: &[(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  template:\n    spec:\n      containers:\n      - name: db\n        readinessProbe:\n          httpGet: {path: /, port: 80}\n        resources:\n          limits: {memory: null, cpu: 1}\n          requests: {cpu: 100m}\n",
            "",
            "",
        )],
    },
];

fn parse_docs(text: &str) -> Vec<Doc> {
    serde_norway::Deserializer::from_str(text)
        .map(|d| <Doc as serde::Deserialize>::deserialize(d).expect("yaml"))
        .filter(|d| !d.is_null())
        .collect()
}

fn ours(case: &Case) -> Result<Vec<Doc>, PatchError> {
    let mut res = parse_docs(case.resources);
    for (text, target, opts) in case.patches {
        let p = parse_patch(text)?;
        let t = if target.is_empty() { None } else { Some(Target::from_doc(&parse_docs(target)[0])?) };
        let o = if opts.is_empty() || *opts == "legacy" { Doc::Null } else { parse_docs(opts)[0].clone() };
        let options = PatchOptions {
            allow_name_change: o.get("allowNameChange").and_then(Doc::as_bool).unwrap_or(false),
            allow_kind_change: o.get("allowKindChange").and_then(Doc::as_bool).unwrap_or(false),
        };
        apply(&mut res, &p, t.as_ref(), &options)?;
    }
    Ok(res)
}

fn kubectl(case: &Case) -> Result<Vec<Doc>, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("res.yaml"), case.resources).expect("write");
    let (mut smp, mut json, mut patches) = (String::new(), String::new(), String::new());
    for (i, (text, target, opts)) in case.patches.iter().enumerate() {
        std::fs::write(dir.path().join(format!("p{i}.yaml")), text).expect("write");
        if *opts == "legacy" {
            if target.is_empty() {
                smp.push_str(&format!("- p{i}.yaml\n"));
            } else {
                json.push_str(&format!("- path: p{i}.yaml\n  target: {target}\n"));
            }
            continue;
        }
        patches.push_str(&format!("- path: p{i}.yaml\n"));
        if !target.is_empty() {
            patches.push_str(&format!("  target: {target}\n"));
        }
        if !opts.is_empty() {
            patches.push_str(&format!("  options: {opts}\n"));
        }
    }
    let mut k = String::from("resources: [res.yaml]\nsortOptions: {order: fifo}\n");
    for (field, list) in [("patchesStrategicMerge", smp), ("patchesJson6902", json), ("patches", patches)] {
        if !list.is_empty() {
            k.push_str(&format!("{field}:\n{list}"));
        }
    }
    std::fs::write(dir.path().join("kustomization.yaml"), k).expect("write");
    let out = Command::new("kubectl").arg("kustomize").arg(dir.path()).output().expect("run kubectl");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(parse_docs(&String::from_utf8_lossy(&out.stdout)))
}

/// kustomize's result and ours for one case.
type Outcome = (Result<Vec<Doc>, String>, Result<Vec<Doc>, PatchError>);

fn kubectl_available() -> bool {
    Command::new("kubectl").args(["kustomize", "--help"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn differential_against_kubectl_kustomize() {
    if !kubectl_available() {
        println!("skipped: kubectl is not on PATH, cannot compare with kustomize");
        return;
    }
    let results: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = CASES
            .chunks(CASES.len().div_ceil(4))
            .map(|chunk| s.spawn(move || chunk.iter().map(|c| (kubectl(c), ours(c))).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    });
    let mut failures = Vec::new();
    for (case, (want, got)) in CASES.iter().zip(results) {
        let same = match (&want, &got) {
            (Ok(w), Ok(g)) => w == g,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !same {
            let detail = match (&want, &got) {
                (Ok(w), Ok(g)) => first_difference(w, g),
                _ => String::new(),
            };
            let show = |d: &Result<Vec<Doc>, String>| match d {
                Ok(v) => {
                    v.iter().map(|d| serde_norway::to_string(d).unwrap_or_default()).collect::<Vec<_>>().join("---\n")
                }
                Err(e) => format!("error: {e}"),
            };
            failures.push(format!(
                "case {:?}: {detail}\n--- kustomize:\n{}\n--- ours:\n{}",
                case.name,
                show(&want),
                show(&got.map_err(|e| e.0))
            ));
        }
    }
    println!("{} differential cases, {} mismatches", CASES.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A short description of where two document lists first differ.
fn first_difference(want: &[Doc], got: &[Doc]) -> String {
    fn walk(a: &Doc, b: &Doc, path: &str) -> Option<String> {
        match (a, b) {
            (Doc::Mapping(x), Doc::Mapping(y)) => {
                for (k, v) in x {
                    let p = format!("{path}.{}", smp_text(k));
                    match y.get(k) {
                        Some(w) => {
                            if let Some(d) = walk(v, w, &p) {
                                return Some(d);
                            }
                        }
                        None => return Some(format!("{p} missing in ours")),
                    }
                }
                y.keys().find(|k| !x.contains_key(*k)).map(|k| format!("{path}.{} only in ours", smp_text(k)))
            }
            (Doc::Sequence(x), Doc::Sequence(y)) if x.len() == y.len() => {
                x.iter().zip(y).enumerate().find_map(|(i, (v, w))| walk(v, w, &format!("{path}[{i}]")))
            }
            _ if a == b => None,
            _ => Some(format!(
                "{path}: kustomize {} vs ours {}",
                serde_norway::to_string(a).unwrap_or_default().trim(),
                serde_norway::to_string(b).unwrap_or_default().trim()
            )),
        }
    }
    if want.len() != got.len() {
        return format!("{} documents vs {} in ours", want.len(), got.len());
    }
    want.iter().zip(got).enumerate().find_map(|(i, (a, b))| walk(a, b, &format!("doc{i}"))).unwrap_or_default()
}

fn smp_text(v: &Doc) -> String {
    super::smp::scalar_text(v)
}
