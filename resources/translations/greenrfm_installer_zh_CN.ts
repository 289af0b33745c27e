<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../../app/first_run.py" line="154" />
        <source>The &lt;b&gt;standard&lt;/b&gt; training profile fits this GPU (it needs 24 GB or more).</source>
        <translation>此 GPU 适合&lt;b&gt;标准&lt;/b&gt;训练配置（需要 24 GB 或以上显存）。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="158" />
        <source>The &lt;b&gt;lite&lt;/b&gt; training profile fits this GPU (it needs 6 GB or more). The standard profile needs 24 GB.</source>
        <translation>此 GPU 适合&lt;b&gt;轻量&lt;/b&gt;训练配置（需要 6 GB 或以上显存）。标准配置需要 24 GB。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="163" />
        <source>This GPU has less than the 6 GB that the lite training profile needs. Use it for predictions, or train on a GPU with more memory.</source>
        <translation>此 GPU 的显存不足轻量训练配置所需的 6 GB。请将其用于预测，或在显存更大的 GPU 上训练。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="175" />
        <source>GPU found: {name} with {memory:.1f} GiB of memory.</source>
        <translation>已检测到 GPU：{name}，显存 {memory:.1f} GiB。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="183" />
        <source>Apple GPU (Metal, MPS) found; it can use {memory:.1f} GiB of the shared memory.</source>
        <translation>已检测到 Apple GPU（Metal，MPS），可使用 {memory:.1f} GiB 共享内存。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="193" />
        <source>An NVIDIA GPU was found ({name}).</source>
        <translation>已检测到 NVIDIA GPU（{name}）。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="197" />
        <source>An NVIDIA GPU was found ({name}, {memory:.1f} GiB).</source>
        <translation>已检测到 NVIDIA GPU（{name}，{memory:.1f} GiB）。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="201" />
        <source>PyTorch cannot use it. Update the NVIDIA driver, then restart GreenRFM Studio.</source>
        <translation>PyTorch 无法使用该 GPU。请更新 NVIDIA 驱动程序，然后重新启动 GreenRFM Studio。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="206" />
        <source>This build of GreenRFM Studio contains the CPU-only version of PyTorch. Training on the NVIDIA GPU needs a CUDA-enabled build of PyTorch: install PyTorch for CUDA and then greenrfm-studio with pip in a Python environment.</source>
        <translation>此版本的 GreenRFM Studio 内置仅支持 CPU 的 PyTorch。要在 NVIDIA GPU 上训练，需要支持 CUDA 的 PyTorch：请在 Python 环境中先安装 CUDA 版 PyTorch，再用 pip 安装 greenrfm-studio。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="217" />
        <source>No GPU was found. Training on the CPU works but is very slow.</source>
        <translation>未检测到 GPU。可以在 CPU 上训练，但速度很慢。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="222" />
        <source>Predictions still run on the CPU, through PyTorch or onnxruntime, without a GPU.</source>
        <translation>没有 GPU 时，预测仍可通过 PyTorch 或 onnxruntime 在 CPU 上运行。</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="237" />
        <source>Welcome to GreenRFM Studio</source>
        <translation>欢迎使用 GreenRFM Studio</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="239" />
        <source>&lt;h3&gt;Device check&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;设备检查&lt;/h3&gt;</translation>
    </message>
    <message>
        <location filename="../../app/first_run.py" line="244" />
        <source>You can change the device and the training profile in the training wizard.</source>
        <translation>您可以在训练向导中更改设备和训练配置。</translation>
    </message>
</context>
</TS>
